"""Decisions for the next session, with the inputs they used.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("made_at", UTC_TS, nullable=False),
        sa.Column("made_for", sa.Date(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("spec", sa.Text()),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_decision"),
        sa.ForeignKeyConstraint(
            ["athlete_id"], ["athlete.id"], name="fk_decision_athlete_id_athlete"
        ),
    )
    op.create_index("ix_decision_athlete_on", "decision", ["athlete_id", "on_date"])


def downgrade() -> None:
    op.drop_index("ix_decision_athlete_on", table_name="decision")
    op.drop_table("decision")
