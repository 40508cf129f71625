"""Work items: the inbox files in flight, claimed one worker at a time.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "work_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TS),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("claimed_at", UTC_TS),
        sa.Column("last_error", sa.Text()),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_work_item"),
        sa.ForeignKeyConstraint(
            ["athlete_id"], ["athlete.id"], name="fk_work_item_athlete_id_athlete"
        ),
        sa.UniqueConstraint("athlete_id", "kind", "key", name="uq_work_item_athlete_id_kind_key"),
        sa.CheckConstraint(
            "state IN ('pending', 'processing', 'done', 'failed')", name="ck_work_item_state"
        ),
    )
    op.create_index("ix_work_item_athlete_state", "work_item", ["athlete_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_work_item_athlete_state", table_name="work_item")
    op.drop_table("work_item")
