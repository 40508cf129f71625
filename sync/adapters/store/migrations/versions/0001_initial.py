"""Initial schema: athlete, activity, lap, ingest_log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "athlete",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_athlete"),
        sa.UniqueConstraint("name", name="uq_athlete_name"),
    )
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(100)),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("device_serial", sa.BigInteger()),
        sa.Column("time_created", UTC_TS),
        sa.Column("start_utc", UTC_TS, nullable=False),
        sa.Column("sport", sa.String(32), nullable=False),
        sa.Column("sub_sport", sa.String(32)),
        sa.Column("timer_s", sa.Float(), nullable=False),
        sa.Column("elapsed_s", sa.Float(), nullable=False),
        sa.Column("distance_m", sa.Float()),
        sa.Column("workout_name", sa.String(100)),
        sa.Column("ingested_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_activity"),
        sa.ForeignKeyConstraint(
            ["athlete_id"], ["athlete.id"], name="fk_activity_athlete_id_athlete"
        ),
        sa.UniqueConstraint("athlete_id", "sha256", name="uq_activity_athlete_id_sha256"),
        sa.UniqueConstraint(
            "athlete_id",
            "device_serial",
            "time_created",
            name="uq_activity_athlete_id_device_serial_time_created",
        ),
        sa.CheckConstraint("source IN ('inbox', 'file', 'garmin')", name="ck_activity_source"),
    )
    op.create_index("ix_activity_athlete_start", "activity", ["athlete_id", "start_utc"])
    op.create_table(
        "lap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("lap_index", sa.Integer(), nullable=False),
        sa.Column("start_utc", UTC_TS, nullable=False),
        sa.Column("end_utc", UTC_TS, nullable=False),
        sa.Column("timer_s", sa.Float(), nullable=False),
        sa.Column("elapsed_s", sa.Float(), nullable=False),
        sa.Column("distance_m", sa.Float()),
        sa.Column("wkt_step_index", sa.Integer()),
        sa.Column("intensity", sa.String(16)),
        sa.Column("lap_trigger", sa.String(32)),
        sa.PrimaryKeyConstraint("id", name="pk_lap"),
        sa.ForeignKeyConstraint(["athlete_id"], ["athlete.id"], name="fk_lap_athlete_id_athlete"),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name="fk_lap_activity_id_activity",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("activity_id", "lap_index", name="uq_lap_activity_id_lap_index"),
    )
    op.create_table(
        "ingest_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_TS, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("activity_id", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_ingest_log"),
        sa.ForeignKeyConstraint(
            ["athlete_id"], ["athlete.id"], name="fk_ingest_log_athlete_id_athlete"
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name="fk_ingest_log_activity_id_activity",
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(
            "state IN ('ingested', 'duplicate', 'rejected')", name="ck_ingest_log_state"
        ),
    )
    op.create_index("ix_ingest_log_athlete_at", "ingest_log", ["athlete_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_ingest_log_athlete_at", table_name="ingest_log")
    op.drop_table("ingest_log")
    op.drop_table("lap")
    op.drop_index("ix_activity_athlete_start", table_name="activity")
    op.drop_table("activity")
    op.drop_table("athlete")
