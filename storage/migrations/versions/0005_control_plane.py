"""Control through the database: process leases, per-run control (holder, stop, pending question,
launch), human answers; ``runs.owner`` (a PID to check) is replaced by the run's lease holder.

Existing runs get a control row naming their old owner as holder. That holder has no ``processes`` row,
so a run left active by an older version counts as lapsed and becomes ``interrupted`` at open.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processes",
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("concurrency", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("heartbeat_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("holder", name=op.f("pk_processes")),
    )
    with op.batch_alter_table("processes") as batch_op:
        batch_op.create_index(batch_op.f("ix_processes_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "run_control",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(), nullable=True),
        sa.Column("host", sa.String(), nullable=True),
        sa.Column("claimed_at", sa.Float(), nullable=True),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.Column("pending", sa.JSON(), nullable=True),
        sa.Column("launch", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_control_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_control")),
    )
    with op.batch_alter_table("run_control") as batch_op:
        batch_op.create_index(batch_op.f("ix_run_control_holder"), ["holder"], unique=False)
    op.create_table(
        "run_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_answers_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_answers")),
    )
    with op.batch_alter_table("run_answers") as batch_op:
        batch_op.create_index(batch_op.f("ix_run_answers_run_id"), ["run_id"], unique=False)
    op.execute(
        "INSERT INTO run_control (run_id, holder, launch) SELECT id, owner, '{}' FROM runs"
    )
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_column("owner")


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(), nullable=True))
    op.execute("UPDATE runs SET owner = (SELECT holder FROM run_control WHERE run_control.run_id = runs.id)")
    op.drop_table("run_answers")
    op.drop_table("run_control")
    op.drop_table("processes")
