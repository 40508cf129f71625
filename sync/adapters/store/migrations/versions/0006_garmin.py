"""Garmin Connect: login/back-off state, pulled activities, workouts on her calendar.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def _athlete_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["athlete_id"], ["athlete.id"], name=f"fk_{table}_athlete_id_athlete"
    )


def upgrade() -> None:
    op.create_table(
        "garmin_state",
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(16), nullable=False),
        sa.Column("backoff_until", UTC_TS),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_pull_at", UTC_TS),
        sa.Column("pulled_through", sa.Date()),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("athlete_id", name="pk_garmin_state"),
        _athlete_fk("garmin_state"),
    )
    op.create_table(
        "garmin_pulled",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(40), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_garmin_pulled"),
        _athlete_fk("garmin_pulled"),
        sa.UniqueConstraint(
            "athlete_id", "remote_id", name="uq_garmin_pulled_athlete_id_remote_id"
        ),
    )
    op.create_table(
        "garmin_workout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("workout_id", sa.BigInteger()),
        sa.Column("schedule_id", sa.BigInteger()),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_garmin_workout"),
        _athlete_fk("garmin_workout"),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decision.id"], name="fk_garmin_workout_decision_id_decision"
        ),
        sa.UniqueConstraint("decision_id", name="uq_garmin_workout_decision_id"),
    )


def downgrade() -> None:
    for table in ("garmin_workout", "garmin_pulled", "garmin_state"):
        op.drop_table(table)
