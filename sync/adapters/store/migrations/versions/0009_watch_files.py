"""Watch files: the activity files runback has seen on her mounted watch (issue 14).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "watch_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("day", sa.Date()),
        sa.Column("activity_id", sa.Integer()),
        sa.Column("at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_watch_file"),
        sa.ForeignKeyConstraint(
            ["athlete_id"], ["athlete.id"], name="fk_watch_file_athlete_id_athlete"
        ),
        sa.UniqueConstraint("athlete_id", "name", name="uq_watch_file_athlete_id_name"),
    )


def downgrade() -> None:
    op.drop_table("watch_file")
