"""Queries for her journal: profile, clearances, readiness sittings, symptom entries.

Rows come out as rules' own types (Profile, ReadinessLog, SymptomEntry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from rules.profile import Profile, ReadinessLog
from rules.symptoms import LeakPoint, SymptomEntry
from sync.adapters.store import schema as s


@dataclass(frozen=True)
class StoredEntry:
    id: int
    entry: SymptomEntry
    source: str
    recorded_at: datetime


_ENTRY_FIELDS = (
    "leak", "leak_at_s", "heaviness", "pain", "pain_next_day", "bleeding", "rpe", "fatigue",
    "breathing", "fluid_ml", "slept_h", "urgency", "bowel", "note", "activity_id",
)  # fmt: skip


class JournalQueries:
    conn: Connection
    athlete_id: int

    # --- profile ------------------------------------------------------------------------

    def profile(self) -> Profile | None:
        row = self.conn.execute(
            select(s.profile.c.birth_date, s.profile.c.delivery).where(
                s.profile.c.athlete_id == self.athlete_id
            )
        ).first()
        clearances = tuple(
            self.conn.execute(
                select(s.clearance.c.cleared_on)
                .where(s.clearance.c.athlete_id == self.athlete_id)
                .order_by(s.clearance.c.cleared_on)
            ).scalars()
        )
        if row is None and not clearances:
            return None
        birth, delivery = (row.birth_date, row.delivery) if row is not None else (None, None)
        return Profile(birth, delivery, clearances)

    def set_profile(self, *, birth_date: date | None, delivery: str | None, at: datetime) -> None:
        """Set the given fields; the ones not given keep their value."""
        values: dict[str, object] = {"updated_at": at}
        if birth_date is not None:
            values["birth_date"] = birth_date
        if delivery is not None:
            values["delivery"] = delivery
        p = s.profile.c
        exists = self.conn.execute(
            select(p.athlete_id).where(p.athlete_id == self.athlete_id)
        ).first()
        if exists:
            self.conn.execute(
                update(s.profile).where(p.athlete_id == self.athlete_id).values(values)
            )
        else:
            self.conn.execute(insert(s.profile).values(athlete_id=self.athlete_id, **values))

    def add_clearance(self, cleared_on: date, at: datetime) -> bool:
        """Record a clearance date; False when that date was already recorded."""
        c = s.clearance.c
        if self.conn.execute(
            select(c.id).where(c.athlete_id == self.athlete_id, c.cleared_on == cleared_on)
        ).first():
            return False
        self.conn.execute(
            insert(s.clearance).values(
                athlete_id=self.athlete_id, cleared_on=cleared_on, recorded_at=at
            )
        )
        return True

    # --- readiness ----------------------------------------------------------------------

    def add_readiness(self, log: ReadinessLog, at: datetime) -> None:
        self.conn.execute(
            insert(s.readiness_log).values(
                athlete_id=self.athlete_id,
                on_date=log.on,
                passed=",".join(sorted(log.passed)),
                failed=",".join(sorted(log.failed)),
                symptoms=",".join(sorted(log.symptoms)),
                recorded_at=at,
            )
        )

    def readiness_logs(self) -> list[ReadinessLog]:
        r = s.readiness_log.c
        rows = self.conn.execute(
            select(r.on_date, r.passed, r.failed, r.symptoms)
            .where(r.athlete_id == self.athlete_id)
            .order_by(r.on_date, r.id)
        )
        return [
            ReadinessLog(row.on_date, _set(row.passed), _set(row.failed), _set(row.symptoms))
            for row in rows
        ]

    # --- symptom entries ----------------------------------------------------------------

    def entry_id_by_key(self, key: str) -> int | None:
        e = s.symptom_entry.c
        return self.conn.execute(
            select(e.id).where(e.athlete_id == self.athlete_id, e.entry_key == key)
        ).scalar()

    def add_entry(self, entry: SymptomEntry, *, source: str, key: str, at: datetime) -> int | None:
        """Store an entry; None when the same entry (same key) is stored already, even
        by another process between the caller's look and this insert."""
        point = entry.leak_point
        values = {name: getattr(entry, name) for name in _ENTRY_FIELDS} | {
            "athlete_id": self.athlete_id,
            "on_date": entry.on,
            "leak_at_utc": point.at if point else None,
            "leak_interval": point.interval_index if point else None,
            "leak_run_number": point.run_number if point else None,
            "leak_interval_kind": point.interval_kind if point else None,
            "leak_into_interval_s": point.into_interval_s if point else None,
            "leak_run_s_before": point.run_s_before if point else None,
            "source": source,
            "entry_key": key,
            "recorded_at": at,
        }
        statement = _insert_unless_present(self.conn, s.symptom_entry, ["athlete_id", "entry_key"])
        new_id = self.conn.execute(
            statement.values(values).returning(s.symptom_entry.c.id)
        ).scalar()
        return None if new_id is None else int(new_id)

    def link_day_entries(self, day: date, activity_id: int) -> int:
        """Tie the entries of `day` that have no run to this run; how many were."""
        e = s.symptom_entry.c
        done = self.conn.execute(
            update(s.symptom_entry)
            .where(e.athlete_id == self.athlete_id, e.on_date == day, e.activity_id.is_(None))
            .values(activity_id=activity_id)
        )
        return int(done.rowcount or 0)

    def entries(self) -> list[StoredEntry]:
        """Every entry, oldest first (by date, then as recorded)."""
        e = s.symptom_entry.c
        return [
            StoredEntry(entry_id, entry, source, recorded_at)
            for entry_id, entry, source, recorded_at in self._entry_rows(e.source, e.recorded_at)
        ]

    def entries_to_assess(self) -> list[tuple[int, SymptomEntry]]:
        """Every entry with its id, oldest first, and nothing of how it was recorded:
        deciding again assesses them all, however long the season."""
        return [(entry_id, entry) for entry_id, entry in self._entry_rows()]

    def _entry_rows(self, *extra: Any) -> list[tuple[Any, ...]]:
        """(id, entry, *extra) per entry in one fetch, read as plain tuples."""
        e = s.symptom_entry.c
        point_columns = (
            e.leak_at_utc, e.leak_interval, e.leak_run_number, e.leak_interval_kind,
            e.leak_into_interval_s, e.leak_run_s_before,
        )  # fmt: skip
        rows = self.conn.execute(
            select(e.id, e.on_date, *point_columns, *(e[name] for name in _ENTRY_FIELDS), *extra)
            .where(e.athlete_id == self.athlete_id)
            .order_by(e.on_date, e.id)
        ).all()
        out = []
        cut = len(_ENTRY_FIELDS) + 8
        # Positional: _ENTRY_FIELDS is SymptomEntry's own field order after `on` (a test
        # holds the two together), which spares a dict per entry on a long season.
        for row in rows:
            entry_id, on, at, index, run, kind, into, before = row[:8]
            point = None if at is None else LeakPoint(at, index, run, kind, into, before or 0)
            entry = SymptomEntry(on, *row[8:cut], leak_point=point)  # type: ignore[misc]
            out.append((entry_id, entry, *row[cut:]))
        return out


def _insert_unless_present(conn: Connection, table: Table, unique: list[str]) -> Any:
    """INSERT ... ON CONFLICT (unique) DO NOTHING, on SQLite and PostgreSQL alike: a row
    that another transaction stored first is skipped instead of spoiling this one."""
    # Only the dialect in use is imported: PostgreSQL's costs a SQLite call 40 ms.
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=unique)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing(index_elements=unique)


def _set(text: str) -> frozenset[str]:
    return frozenset(part for part in text.split(",") if part)
