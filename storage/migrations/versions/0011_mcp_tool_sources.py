"""Tool sources from MCP servers: a tool's kind and server definition, and an agent's choice of its tools.

Existing tools are Python functions; existing agent links choose nothing (all of a server's tools).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tools") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(), nullable=False, server_default="python"))
        batch_op.add_column(sa.Column("server", sa.JSON(), nullable=True))
    with op.batch_alter_table("agent_tools") as batch_op:
        batch_op.add_column(sa.Column("only", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agent_tools") as batch_op:
        batch_op.drop_column("only")
    with op.batch_alter_table("tools") as batch_op:
        batch_op.drop_column("server")
        batch_op.drop_column("kind")
