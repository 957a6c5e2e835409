"""Experiments: task sets (immutable versions), experiments, and their cells (one run each, with its score).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("tasks", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_sets")),
        sa.UniqueConstraint("name", "version", name="uq_task_sets_name_version"),
    )
    op.create_index(op.f("ix_task_sets_name"), "task_sets", ["name"], unique=False)
    op.create_table(
        "experiments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("task_set_id", sa.Integer(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.Float(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["task_set_id"], ["task_sets.id"], name=op.f("fk_experiments_task_set_id_task_sets"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["owner_id"], ["people.id"], name=op.f("fk_experiments_owner_id_people"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments")),
    )
    op.create_index(op.f("ix_experiments_status"), "experiments", ["status"], unique=False)
    op.create_index(op.f("ix_experiments_owner_id"), "experiments", ["owner_id"], unique=False)
    op.create_index(op.f("ix_experiments_task_set_id"), "experiments", ["task_set_id"], unique=False)
    op.create_table(
        "experiment_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("task_index", sa.Integer(), nullable=False),
        sa.Column("column_index", sa.Integer(), nullable=False),
        sa.Column("repeat", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("score", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiments.id"],
                                name=op.f("fk_experiment_cells_experiment_id_experiments"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_experiment_cells_run_id_runs"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiment_cells")),
        sa.UniqueConstraint("experiment_id", "task_index", "column_index", "repeat", name="uq_experiment_cells_slot"),
    )
    op.create_index(op.f("ix_experiment_cells_experiment_id"), "experiment_cells", ["experiment_id"], unique=False)
    op.create_index(op.f("ix_experiment_cells_run_id"), "experiment_cells", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_table("experiment_cells")
    op.drop_table("experiments")
    op.drop_table("task_sets")
