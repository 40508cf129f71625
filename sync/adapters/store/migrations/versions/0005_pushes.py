"""Pushes of decisions to the outbox, the watch and Garmin Connect.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_push"),
        sa.ForeignKeyConstraint(["athlete_id"], ["athlete.id"], name="fk_push_athlete_id_athlete"),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decision.id"], name="fk_push_decision_id_decision"
        ),
        sa.UniqueConstraint("decision_id", "target", name="uq_push_decision_id_target"),
        sa.CheckConstraint("state IN ('done', 'failed')", name="ck_push_state"),
    )


def downgrade() -> None:
    op.drop_table("push")
