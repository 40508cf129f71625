"""What deciding reads of each run, kept with it: seconds run and run steps missed
(issue 16), so deciding again reads one row per run instead of summing its bouts and
counting its steps on every call; and an index for the decision in force on a day.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("activity", sa.Column("run_s", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "activity_match",
        sa.Column("run_intervals_missed", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_decision_athlete_made_for", "decision", ["athlete_id", "made_for"])
    # The runs stored before: filled from their bouts and steps, as save_session does now.
    if op.get_bind().dialect.name == "postgresql":
        seconds = "extract(epoch FROM b.end_utc - b.start_utc)"
    else:  # SQLite keeps the times as text; julianday() reads them
        seconds = "(julianday(b.end_utc) - julianday(b.start_utc)) * 86400.0"
    op.execute(
        "UPDATE activity SET run_s = COALESCE((SELECT sum(round(" + seconds + ")) FROM bout b"
        " WHERE b.activity_id = activity.id AND b.kind = 'run'), 0)"
    )
    op.execute(
        "UPDATE activity_match SET run_intervals_missed = (SELECT count(*) FROM match_interval i"
        " WHERE i.activity_id = activity_match.activity_id AND i.kind = 'run'"
        " AND i.status = 'missed')"
    )


def downgrade() -> None:
    op.drop_index("ix_decision_athlete_made_for", table_name="decision")
    op.drop_column("activity_match", "run_intervals_missed")
    op.drop_column("activity", "run_s")
