"""The repository (queries in the domain's words) and the unit of work (one transaction).

A UnitOfWork rolls back unless `commit()` was called: a crash anywhere inside leaves
nothing half-written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from sync.adapters.store import schema as s
from sync.adapters.store.decisions import DecisionQueries, PushQueries
from sync.adapters.store.garmin_state import GarminQueries
from sync.adapters.store.journal import JournalQueries
from sync.adapters.store.matches import MatchQueries
from sync.adapters.store.watch_files import WatchQueries
from sync.adapters.store.work import WorkQueries

if TYPE_CHECKING:
    from rules.activity import Activity


@dataclass(frozen=True)
class StoredActivity:
    id: int
    start: datetime
    sport: str
    sub_sport: str | None
    source: str
    file_name: str
    sha256: str
    timer_s: float
    elapsed_s: float
    distance_m: float | None
    device_serial: int | None
    time_created: datetime | None
    workout_name: str | None


@dataclass(frozen=True)
class IngestLogEntry:
    at: datetime
    file_name: str
    source: str
    state: str
    reason: str | None
    activity_id: int | None


_A = s.activity.c
_ACTIVITY_SELECT = select(
    _A.id,
    _A.start_utc.label("start"),
    _A.sport,
    _A.sub_sport,
    _A.source,
    _A.file_name,
    _A.sha256,
    _A.timer_s,
    _A.elapsed_s,
    _A.distance_m,
    _A.device_serial,
    _A.time_created,
    _A.workout_name,
)


class Duplicate(Exception):
    """Another transaction stored the same activity first (a unique constraint fired)."""


class Repository(
    MatchQueries,
    JournalQueries,
    DecisionQueries,
    PushQueries,
    GarminQueries,
    WorkQueries,
    WatchQueries,
):
    def __init__(self, conn: Connection, athlete_id: int) -> None:
        self.conn = conn
        self.athlete_id = athlete_id

    # --- activities -------------------------------------------------------------------

    def activity_id_by_sha(self, sha256: str) -> int | None:
        return self.conn.execute(
            select(s.activity.c.id).where(
                s.activity.c.athlete_id == self.athlete_id, s.activity.c.sha256 == sha256
            )
        ).scalar()

    def activity_shas(self) -> frozenset[str]:
        """The hashes of every stored activity's file (a decoding process skips those)."""
        return frozenset(
            self.conn.execute(
                select(s.activity.c.sha256).where(s.activity.c.athlete_id == self.athlete_id)
            ).scalars()
        )

    def activity_id_by_device(self, serial: int | None, created: datetime | None) -> int | None:
        if serial is None or created is None:
            return None
        return self.conn.execute(
            select(s.activity.c.id).where(
                s.activity.c.athlete_id == self.athlete_id,
                s.activity.c.device_serial == serial,
                s.activity.c.time_created == created,
            )
        ).scalar()

    def add_activity(
        self,
        act: Activity,
        *,
        sha256: str,
        source: str,
        file_name: str,
        at: datetime,
        source_id: str | None = None,
    ) -> int:
        values = _activity_values(act) | {
            "athlete_id": self.athlete_id,
            "source": source,
            "source_id": source_id,
            "file_name": file_name[:255],
            "sha256": sha256,
            "ingested_at": at,
        }
        try:
            new_id = self.conn.execute(
                insert(s.activity).values(values).returning(s.activity.c.id)
            ).scalar_one()
        except IntegrityError:
            # The transaction is spoilt: the caller rolls back and looks again.
            raise Duplicate() from None
        self._insert_laps(new_id, act)
        return int(new_id)

    def refresh_activity(self, activity_id: int, act: Activity) -> None:
        """Re-derive an activity's fields and laps from a new reading of its file."""
        self.conn.execute(
            update(s.activity).where(s.activity.c.id == activity_id).values(_activity_values(act))
        )
        self.conn.execute(delete(s.lap).where(s.lap.c.activity_id == activity_id))
        self._insert_laps(activity_id, act)

    def _insert_laps(self, activity_id: int, act: Activity) -> None:
        if not act.laps:
            return
        rows = [
            {
                "athlete_id": self.athlete_id,
                "activity_id": activity_id,
                "lap_index": i,
                "start_utc": lap.start,
                "end_utc": lap.end,
                "timer_s": lap.timer_s,
                "elapsed_s": lap.elapsed_s,
                "distance_m": lap.distance_m,
                "wkt_step_index": lap.wkt_step_index,
                "intensity": lap.intensity,
                "lap_trigger": lap.trigger,
            }
            for i, lap in enumerate(act.laps)
        ]
        self.conn.execute(insert(s.lap), rows)

    def activities(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[StoredActivity]:
        """Her activities in time order, optionally those starting in [since, until)."""
        a = s.activity.c
        query = _ACTIVITY_SELECT.where(a.athlete_id == self.athlete_id)
        if since is not None:
            query = query.where(a.start_utc >= since)
        if until is not None:
            query = query.where(a.start_utc < until)
        rows = self.conn.execute(query.order_by(a.start_utc, a.id))
        return [StoredActivity(**row._mapping) for row in rows]

    def activity(self, activity_id: int) -> StoredActivity | None:
        a = s.activity.c
        row = self.conn.execute(
            _ACTIVITY_SELECT.where(a.athlete_id == self.athlete_id, a.id == activity_id)
        ).first()
        return StoredActivity(**row._mapping) if row is not None else None

    def laps(self, activity_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            select(s.lap).where(s.lap.c.activity_id == activity_id).order_by(s.lap.c.lap_index)
        )
        return [dict(row._mapping) for row in rows]

    def count_activities(self) -> int:
        return int(
            self.conn.execute(
                select(func.count())
                .select_from(s.activity)
                .where(s.activity.c.athlete_id == self.athlete_id)
            ).scalar_one()
        )

    # --- ingest log -------------------------------------------------------------------

    def log_ingest(
        self,
        *,
        at: datetime,
        file_name: str,
        source: str,
        state: str,
        sha256: str | None = None,
        reason: str | None = None,
        activity_id: int | None = None,
    ) -> None:
        self.conn.execute(
            insert(s.ingest_log).values(
                athlete_id=self.athlete_id,
                at=at,
                file_name=file_name[:255],
                source=source,
                sha256=sha256,
                state=state,
                reason=reason,
                activity_id=activity_id,
            )
        )

    def ingest_log(self, limit: int = 100) -> list[IngestLogEntry]:
        c = s.ingest_log.c
        rows = self.conn.execute(
            select(c.at, c.file_name, c.source, c.state, c.reason, c.activity_id)
            .where(c.athlete_id == self.athlete_id)
            .order_by(c.at.desc(), c.id.desc())
            .limit(limit)
        )
        return [IngestLogEntry(**row._mapping) for row in rows]

    def last_ingest_at(self) -> datetime | None:
        c = s.ingest_log.c
        return self.conn.execute(
            select(func.max(c.at)).where(c.athlete_id == self.athlete_id, c.state == "ingested")
        ).scalar()

    def open_failures(self, limit: int = 20) -> list[IngestLogEntry]:
        """The latest refusal per file name, unless that file was taken since."""
        latest: dict[str, IngestLogEntry] = {}
        for entry in self.ingest_log(limit=1000):
            latest.setdefault(entry.file_name, entry)
        failed = [e for e in latest.values() if e.state == "rejected"]
        return failed[:limit]


def _activity_values(act: Activity) -> dict[str, Any]:
    return {
        "device_serial": act.device_serial,
        "time_created": act.time_created,
        "start_utc": act.start,
        "sport": act.sport,
        "sub_sport": act.sub_sport,
        "timer_s": act.timer_s,
        "elapsed_s": act.elapsed_s,
        "distance_m": act.distance_m,
        "workout_name": act.workout_name[:100] if act.workout_name else None,
    }


class UnitOfWork:
    """One transaction. Use `with uow_factory() as uow:`; call `uow.commit()` to keep it."""

    def __init__(self, conn: Connection, athlete_id: int) -> None:
        self.conn = conn
        self.repo = Repository(conn, athlete_id)
        self._committed = False

    def commit(self) -> None:
        self.conn.commit()
        self._committed = True


def ensure_athlete(engine: Engine, name: str, now: datetime) -> int:
    """The id of the athlete called `name`, created on first use."""
    with engine.connect() as conn:
        found = conn.execute(select(s.athlete.c.id).where(s.athlete.c.name == name)).scalar()
        if found is not None:
            return int(found)
        try:
            conn.execute(insert(s.athlete).values(name=name, created_at=now))
            conn.commit()
        except IntegrityError:
            conn.rollback()
        return int(
            conn.execute(select(s.athlete.c.id).where(s.athlete.c.name == name)).scalar_one()
        )


@contextmanager
def unit_of_work(engine: Engine, athlete_id: int) -> Iterator[UnitOfWork]:
    with engine.connect() as conn:
        conn.begin()
        uow = UnitOfWork(conn, athlete_id)
        try:
            yield uow
        finally:
            if not uow._committed:
                conn.rollback()
