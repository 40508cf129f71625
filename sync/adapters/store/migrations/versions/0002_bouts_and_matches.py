"""Bouts, timer pauses and the match of each activity against its plan.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Activities stored before this revision get their bouts and match from
`runback db rebuild`, which re-reads the raw FIT store.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def _owner_columns(table: str, activity_fk: str = "activity.id") -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["athlete_id"], ["athlete.id"], name=f"fk_{table}_athlete_id_athlete"
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            [activity_fk],
            name=f"fk_{table}_activity_id_{activity_fk.split('.')[0]}",
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "bout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("start_utc", UTC_TS, nullable=False),
        sa.Column("end_utc", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bout"),
        *_owner_columns("bout"),
        sa.UniqueConstraint("activity_id", "start_utc", name="uq_bout_activity_id_start_utc"),
        sa.CheckConstraint("kind IN ('run', 'walk')", name="ck_bout_kind"),
    )
    op.create_table(
        "timer_pause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("start_utc", UTC_TS, nullable=False),
        sa.Column("end_utc", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_timer_pause"),
        *_owner_columns("timer_pause"),
        sa.UniqueConstraint(
            "activity_id", "start_utc", name="uq_timer_pause_activity_id_start_utc"
        ),
    )
    op.create_table(
        "activity_match",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("plan_spec", sa.Text()),
        sa.Column("plan_source", sa.String(16), nullable=False),
        sa.Column("path", sa.String(8), nullable=False),
        sa.Column("run_planned_s", sa.Integer(), nullable=False),
        sa.Column("run_actual_s", sa.Integer(), nullable=False),
        sa.Column("run_intervals_planned", sa.Integer(), nullable=False),
        sa.Column("run_intervals_done", sa.Integer(), nullable=False),
        sa.Column("matched_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("activity_id", name="pk_activity_match"),
        *_owner_columns("activity_match"),
    )
    op.create_table(
        "match_interval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("planned_s", sa.Integer()),
        sa.Column("actual_s", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("start_utc", UTC_TS),
        sa.Column("end_utc", UTC_TS),
        sa.Column("avg_heart_rate", sa.Float()),
        sa.Column("avg_cadence_spm", sa.Float()),
        sa.Column("avg_speed_mps", sa.Float()),
        sa.PrimaryKeyConstraint("id", name="pk_match_interval"),
        *_owner_columns("match_interval", "activity_match.activity_id"),
        sa.UniqueConstraint("activity_id", "idx", name="uq_match_interval_activity_id_idx"),
        sa.CheckConstraint(
            "status IN ('done', 'short', 'missed', 'extra')", name="ck_match_interval_status"
        ),
    )


def downgrade() -> None:
    for table in ("match_interval", "activity_match", "timer_pause", "bout"):
        op.drop_table(table)
