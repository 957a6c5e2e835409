"""People (subject, email, name, role, first and last seen) and owners: models, tools, agents, teams and
runs belong to a person; teams, models and runs can be shared, a model's stored key too.

An existing database gets one person, the local admin (``local:admin``), who owns every row it had.
(Briefed as revision 0008; rechained after main's 0008, the agents' display names. Not to be confused with ``runs.owner`` of revision 0002, a process id, replaced in 0005 by leases.)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OWNED = ("models", "tools", "agents", "teams", "runs")
SHARED = {"models": ("shared", "share_key"), "teams": ("shared",), "runs": ("shared",)}
LOCAL_ADMIN = "local:admin"


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("first_seen", sa.Float(), nullable=False),
        sa.Column("last_seen", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("subject", name=op.f("uq_people_subject")),
    )
    with op.batch_alter_table("people") as batch_op:
        batch_op.create_index(batch_op.f("ix_people_email"), ["email"], unique=False)
    op.execute(
        "INSERT INTO people (subject, email, name, role, first_seen, last_seen) "
        f"VALUES ('{LOCAL_ADMIN}', '', 'Local admin', 'admin', 0, 0)"
    )
    for table in OWNED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
            for flag in SHARED.get(table, ()):
                batch_op.add_column(sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false()))
        op.execute(f"UPDATE {table} SET owner_id = (SELECT id FROM people WHERE subject = '{LOCAL_ADMIN}')")
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("owner_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_owner_id"), ["owner_id"], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_owner_id_people"), "people", ["owner_id"], ["id"], ondelete="RESTRICT"
            )


def downgrade() -> None:
    for table in OWNED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_owner_id_people"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_owner_id"))
            batch_op.drop_column("owner_id")
            for flag in SHARED.get(table, ()):
                batch_op.drop_column(flag)
    op.drop_table("people")
