"""The database schema (SQLAlchemy Core), one for SQLite and PostgreSQL.

Migrations in sync/adapters/store/migrations create exactly this; a test compares the two. Every row
carries its athlete so that one database can later host several runners.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeDecorator

# Bump together with a new file in migrations/versions beside this (a test checks they agree).
SCHEMA_REVISION = "0010"

SOURCES = ("inbox", "file", "garmin")
INGEST_STATES = ("ingested", "duplicate", "rejected")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; hands back timezone-aware UTC datetimes on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

athlete = Table(
    "athlete",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

activity = Table(
    "activity",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("source_id", String(100)),
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("device_serial", BigInteger),
    Column("time_created", UTCDateTime()),
    Column("start_utc", UTCDateTime(), nullable=False),
    Column("sport", String(32), nullable=False),
    Column("sub_sport", String(32)),
    Column("timer_s", Float, nullable=False),
    Column("elapsed_s", Float, nullable=False),
    Column("distance_m", Float),
    Column("workout_name", String(100)),
    Column("ingested_at", UTCDateTime(), nullable=False),
    # Seconds run (its run bouts), kept by save_session: deciding reads it per run.
    Column("run_s", Integer, nullable=False, server_default="0"),
    UniqueConstraint("athlete_id", "sha256"),
    UniqueConstraint("athlete_id", "device_serial", "time_created"),
    CheckConstraint("source IN ('inbox', 'file', 'garmin')", name="source"),
    Index("ix_activity_athlete_start", "athlete_id", "start_utc"),
)

lap = Table(
    "lap",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("activity_id", Integer, ForeignKey("activity.id", ondelete="CASCADE"), nullable=False),
    Column("lap_index", Integer, nullable=False),
    Column("start_utc", UTCDateTime(), nullable=False),
    Column("end_utc", UTCDateTime(), nullable=False),
    Column("timer_s", Float, nullable=False),
    Column("elapsed_s", Float, nullable=False),
    Column("distance_m", Float),
    Column("wkt_step_index", Integer),
    Column("intensity", String(16)),
    Column("lap_trigger", String(32)),
    UniqueConstraint("activity_id", "lap_index"),
)

ingest_log = Table(
    "ingest_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("source", String(16), nullable=False),
    Column("sha256", String(64)),
    Column("state", String(16), nullable=False),
    Column("reason", Text),
    Column("activity_id", Integer, ForeignKey("activity.id", ondelete="SET NULL")),
    CheckConstraint("state IN ('ingested', 'duplicate', 'rejected')", name="state"),
    Index("ix_ingest_log_athlete_at", "athlete_id", "at"),
)

# --- what she did (issue 3): bouts and timer pauses of every activity, and the match of
# an activity against its plan when one is known. Symptom entries link to these.

bout = Table(
    "bout",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("activity_id", Integer, ForeignKey("activity.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("start_utc", UTCDateTime(), nullable=False),
    Column("end_utc", UTCDateTime(), nullable=False),
    UniqueConstraint("activity_id", "start_utc"),
    CheckConstraint("kind IN ('run', 'walk')", name="kind"),
)

timer_pause = Table(
    "timer_pause",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("activity_id", Integer, ForeignKey("activity.id", ondelete="CASCADE"), nullable=False),
    Column("start_utc", UTCDateTime(), nullable=False),
    Column("end_utc", UTCDateTime(), nullable=False),
    UniqueConstraint("activity_id", "start_utc"),
)

activity_match = Table(
    "activity_match",
    metadata,
    Column(
        "activity_id",
        Integer,
        ForeignKey("activity.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("plan_spec", Text),
    Column("plan_source", String(16), nullable=False),
    Column("path", String(8), nullable=False),
    Column("run_planned_s", Integer, nullable=False),
    Column("run_actual_s", Integer, nullable=False),
    Column("run_intervals_planned", Integer, nullable=False),
    Column("run_intervals_done", Integer, nullable=False),
    Column("matched_at", UTCDateTime(), nullable=False),
    Column("run_intervals_missed", Integer, nullable=False, server_default="0"),
)

match_interval = Table(
    "match_interval",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column(
        "activity_id",
        Integer,
        ForeignKey("activity_match.activity_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("idx", Integer, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("planned_s", Integer),
    Column("actual_s", Integer, nullable=False),
    Column("status", String(8), nullable=False),
    Column("start_utc", UTCDateTime()),
    Column("end_utc", UTCDateTime()),
    Column("avg_heart_rate", Float),
    Column("avg_cadence_spm", Float),
    Column("avg_speed_mps", Float),
    UniqueConstraint("activity_id", "idx"),
    CheckConstraint("status IN ('done', 'short', 'missed', 'extra')", name="status"),
)

# --- her journal (issue 4): profile, clearances, readiness sittings, symptom entries.
# Health data: never logged; the database file is owner-readable only.

profile = Table(
    "profile",
    metadata,
    Column("athlete_id", Integer, ForeignKey("athlete.id"), primary_key=True),
    Column("birth_date", Date),
    Column("delivery", String(16)),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("delivery IN ('vaginal', 'cesarean')", name="delivery"),
)

clearance = Table(
    "clearance",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("cleared_on", Date, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    UniqueConstraint("athlete_id", "cleared_on"),
)

readiness_log = Table(
    "readiness_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("on_date", Date, nullable=False),
    # Comma-separated item names, sorted (e.g. "bound,hop").
    Column("passed", Text, nullable=False),
    Column("failed", Text, nullable=False),
    Column("symptoms", Text, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index("ix_readiness_log_athlete_on", "athlete_id", "on_date"),
)

symptom_entry = Table(
    "symptom_entry",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("activity_id", Integer, ForeignKey("activity.id", ondelete="SET NULL")),
    Column("leak", String(8), nullable=False),
    Column("leak_at_s", Integer),
    Column("heaviness", Integer),
    Column("pain", Integer),
    Column("pain_next_day", Boolean, nullable=False),
    Column("bleeding", Boolean, nullable=False),
    Column("rpe", Integer),
    Column("fatigue", Integer),
    Column("breathing", String(8)),
    Column("fluid_ml", Integer),
    Column("slept_h", Float),
    Column("urgency", Boolean, nullable=False, server_default=false()),
    Column("bowel", String(8)),  # leak | urgency
    Column("note", Text),
    # Where leaking started, derived from the stored match when the entry was recorded.
    Column("leak_at_utc", UTCDateTime()),
    Column("leak_interval", Integer),
    Column("leak_run_number", Integer),
    Column("leak_interval_kind", String(8)),
    Column("leak_into_interval_s", Integer),
    Column("leak_run_s_before", Integer),
    Column("source", String(8), nullable=False),
    # The same entry imported twice is one row: a hash of its values.
    Column("entry_key", String(64), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    UniqueConstraint("athlete_id", "entry_key"),
    CheckConstraint("leak IN ('none', 'drops', 'leak')", name="leak"),
    Index("ix_symptom_entry_athlete_on", "athlete_id", "on_date"),
)

# --- decisions (issue 5): every decision for a next session, with the inputs it used, so
# `runback plan --history` can say why each workout was given. The latest row is the
# one to push.

decision = Table(
    "decision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("made_at", UTCDateTime(), nullable=False),
    Column("made_for", Date, nullable=False),  # the --today it was made on
    Column("on_date", Date, nullable=False),  # the day of the session it prescribes
    Column("phase", String(16), nullable=False),
    Column("level", Integer, nullable=False),
    Column("spec", Text),
    Column("body", Text, nullable=False),  # DESIGN's plan JSON
    Column("inputs", Text, nullable=False),  # what it was decided from (JSON)
    Column("digest", String(64), nullable=False),  # hash of inputs + body
    Index("ix_decision_athlete_on", "athlete_id", "on_date"),
    Index("ix_decision_athlete_made_for", "athlete_id", "made_for"),
)

# --- pushes (issue 6): each decision sent to each target once; a row per attempt's end.

push = Table(
    "push",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("decision_id", Integer, ForeignKey("decision.id"), nullable=False),
    Column("target", String(16), nullable=False),  # outbox | watch | garmin
    Column("on_date", Date, nullable=False),
    Column("state", String(16), nullable=False),  # done | failed
    Column("detail", Text),  # where it went (a path, remote ids) or why it failed
    Column("attempts", Integer, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    UniqueConstraint("decision_id", "target"),
    CheckConstraint("state IN ('done', 'failed')", name="state"),
)

# --- Garmin Connect (issue 6): the login and back-off state that must survive a restart,
# what was pulled, and the workouts put on her calendar.

garmin_state = Table(
    "garmin_state",
    metadata,
    Column("athlete_id", Integer, ForeignKey("athlete.id"), primary_key=True),
    Column("login", String(16), nullable=False),  # ok | login-needed
    Column("backoff_until", UTCDateTime()),
    Column("failures", Integer, nullable=False),
    Column("last_pull_at", UTCDateTime()),
    Column("pulled_through", Date),
    Column("updated_at", UTCDateTime(), nullable=False),
)

garmin_pulled = Table(
    "garmin_pulled",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("remote_id", String(40), nullable=False),
    Column("state", String(16), nullable=False),  # ingested | duplicate | rejected
    Column("detail", Text),
    Column("at", UTCDateTime(), nullable=False),
    UniqueConstraint("athlete_id", "remote_id"),
)

garmin_workout = Table(
    "garmin_workout",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("decision_id", Integer, ForeignKey("decision.id"), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("name", String(80), nullable=False),
    Column("workout_id", BigInteger),
    Column("schedule_id", BigInteger),
    # uploading -> uploaded -> scheduled; removed once a newer decision replaced it
    Column("state", String(16), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    UniqueConstraint("decision_id"),
)

# --- work items (issue 7): each file taken from the inbox is a row with a state, claimed
# by one worker at a time (FOR UPDATE SKIP LOCKED on PostgreSQL), so a crash leaves every
# item either done or to be retried, and two workers never take the same file.

work_item = Table(
    "work_item",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # inbox
    Column("key", String(400), nullable=False),  # file name | size | mtime
    Column("file_name", String(255), nullable=False),
    Column("state", String(16), nullable=False),  # pending | processing | done | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime()),
    Column("claimed_by", String(100)),
    Column("claimed_at", UTCDateTime()),
    Column("last_error", Text),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("athlete_id", "kind", "key"),
    CheckConstraint("state IN ('pending', 'processing', 'done', 'failed')", name="state"),
    Index("ix_work_item_athlete_state", "athlete_id", "state"),
)


# --- watch files (issue 14): the activity files seen on her mounted watch, so each is read
# once (taken, a duplicate, refused, or older than the programme) however often it is
# plugged in; a file whose size or time changed is looked at again.

watch_file = Table(
    "watch_file",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("athlete_id", Integer, ForeignKey("athlete.id"), nullable=False),
    Column("name", String(255), nullable=False),  # under GARMIN/Activity
    Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    # ingested | duplicate | rejected | older (left there: before `since`) | other (a ride...)
    Column("state", String(16), nullable=False),
    Column("day", Date),  # the run's local day, when known without storing it
    Column("activity_id", Integer),
    Column("at", UTCDateTime(), nullable=False),
    UniqueConstraint("athlete_id", "name"),
)
