"""Her journal: profile, clearances, readiness sittings and symptom entries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def _athlete_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["athlete_id"], ["athlete.id"], name=f"fk_{table}_athlete_id_athlete"
    )


def upgrade() -> None:
    op.create_table(
        "profile",
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("birth_date", sa.Date()),
        sa.Column("delivery", sa.String(16)),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("athlete_id", name="pk_profile"),
        _athlete_fk("profile"),
        sa.CheckConstraint("delivery IN ('vaginal', 'cesarean')", name="ck_profile_delivery"),
    )
    op.create_table(
        "clearance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("cleared_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clearance"),
        _athlete_fk("clearance"),
        sa.UniqueConstraint("athlete_id", "cleared_on", name="uq_clearance_athlete_id_cleared_on"),
    )
    op.create_table(
        "readiness_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("passed", sa.Text(), nullable=False),
        sa.Column("failed", sa.Text(), nullable=False),
        sa.Column("symptoms", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_readiness_log"),
        _athlete_fk("readiness_log"),
    )
    op.create_index("ix_readiness_log_athlete_on", "readiness_log", ["athlete_id", "on_date"])
    op.create_table(
        "symptom_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("activity_id", sa.Integer()),
        sa.Column("leak", sa.String(8), nullable=False),
        sa.Column("leak_at_s", sa.Integer()),
        sa.Column("heaviness", sa.Integer()),
        sa.Column("pain", sa.Integer()),
        sa.Column("pain_next_day", sa.Boolean(), nullable=False),
        sa.Column("bleeding", sa.Boolean(), nullable=False),
        sa.Column("rpe", sa.Integer()),
        sa.Column("fatigue", sa.Integer()),
        sa.Column("breathing", sa.String(8)),
        sa.Column("fluid_ml", sa.Integer()),
        sa.Column("slept_h", sa.Float()),
        sa.Column("note", sa.Text()),
        sa.Column("leak_at_utc", UTC_TS),
        sa.Column("leak_interval", sa.Integer()),
        sa.Column("leak_run_number", sa.Integer()),
        sa.Column("leak_interval_kind", sa.String(8)),
        sa.Column("leak_into_interval_s", sa.Integer()),
        sa.Column("leak_run_s_before", sa.Integer()),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("entry_key", sa.String(64), nullable=False),
        sa.Column("recorded_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_symptom_entry"),
        _athlete_fk("symptom_entry"),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name="fk_symptom_entry_activity_id_activity",
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint(
            "athlete_id", "entry_key", name="uq_symptom_entry_athlete_id_entry_key"
        ),
        sa.CheckConstraint("leak IN ('none', 'drops', 'leak')", name="ck_symptom_entry_leak"),
    )
    op.create_index("ix_symptom_entry_athlete_on", "symptom_entry", ["athlete_id", "on_date"])


def downgrade() -> None:
    op.drop_index("ix_symptom_entry_athlete_on", table_name="symptom_entry")
    op.drop_table("symptom_entry")
    op.drop_index("ix_readiness_log_athlete_on", table_name="readiness_log")
    for table in ("readiness_log", "clearance", "profile"):
        op.drop_table(table)
