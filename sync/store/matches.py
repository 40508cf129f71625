"""Queries for what she did in each session: bouts, timer pauses and the stored match.

Rows go in and come out as rules' own types (Bout, Pause, IntervalResult, Compliance),
so the symptom journal and the progression rules read them without knowing the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, case, delete, func, insert, select

from sync.store import schema as s

if TYPE_CHECKING:
    from rules.activity import Pause
    from rules.results import Bout, Compliance, IntervalResult, Match


@dataclass(frozen=True)
class StoredMatch:
    activity_id: int
    plan_spec: str | None
    plan_source: str
    path: str
    compliance: Compliance
    intervals: tuple[IntervalResult, ...]
    matched_at: datetime


@dataclass(frozen=True)
class MatchSummary:
    plan_spec: str | None
    runs_planned: int
    runs_done: int
    runs_missed: int


class MatchQueries:
    conn: Connection
    athlete_id: int

    def save_session(
        self, activity_id: int, pauses: Sequence[Pause], result: Match, at: datetime
    ) -> None:
        """Replace an activity's bouts, pauses and match (the match only if it has a plan)."""
        for table in (s.match_interval, s.activity_match, s.bout, s.timer_pause):
            self.conn.execute(delete(table).where(table.c.activity_id == activity_id))
        owner = {"athlete_id": self.athlete_id, "activity_id": activity_id}
        if result.bouts:
            self.conn.execute(
                insert(s.bout),
                [
                    owner | {"kind": b.kind, "start_utc": b.start, "end_utc": b.end}
                    for b in result.bouts
                ],
            )
        if pauses:
            self.conn.execute(
                insert(s.timer_pause),
                [owner | {"start_utc": p.start, "end_utc": p.end} for p in pauses],
            )
        if result.plan is None:
            return
        c = result.compliance
        self.conn.execute(
            insert(s.activity_match).values(
                owner
                | {
                    "plan_spec": result.plan.spec,
                    "plan_source": result.plan.source,
                    "path": result.path,
                    "run_planned_s": c.run_planned_s,
                    "run_actual_s": c.run_actual_s,
                    "run_intervals_planned": c.run_intervals_planned,
                    "run_intervals_done": c.run_intervals_done,
                    "matched_at": at,
                }
            )
        )
        if result.intervals:
            self.conn.execute(
                insert(s.match_interval),
                [
                    owner
                    | {
                        "idx": r.index,
                        "kind": r.kind,
                        "planned_s": r.planned_s,
                        "actual_s": r.actual_s,
                        "status": r.status,
                        "start_utc": r.start,
                        "end_utc": r.end,
                        "avg_heart_rate": r.avg_heart_rate,
                        "avg_cadence_spm": r.avg_cadence_spm,
                        "avg_speed_mps": r.avg_speed_mps,
                    }
                    for r in result.intervals
                ],
            )

    def bouts(self, activity_id: int) -> list[Bout]:
        b = s.bout.c
        rows = self.conn.execute(
            select(b.kind, b.start_utc, b.end_utc)
            .where(b.activity_id == activity_id, b.athlete_id == self.athlete_id)
            .order_by(b.start_utc)
        )
        # Imported here: a command that only decides never builds one (start-up time).
        from rules.results import Bout

        return [Bout(kind, start, end) for kind, start, end in rows]

    def pauses(self, activity_id: int) -> list[Pause]:
        p = s.timer_pause.c
        rows = self.conn.execute(
            select(p.start_utc, p.end_utc)
            .where(p.activity_id == activity_id, p.athlete_id == self.athlete_id)
            .order_by(p.start_utc)
        )
        from rules.activity import Pause  # here, for start-up time

        return [Pause(start, end) for start, end in rows]

    def match_of(self, activity_id: int) -> StoredMatch | None:
        m = s.activity_match.c
        row = self.conn.execute(
            select(s.activity_match).where(
                m.activity_id == activity_id, m.athlete_id == self.athlete_id
            )
        ).first()
        if row is None:
            return None
        from rules.results import Compliance, IntervalResult  # here, for start-up

        i = s.match_interval.c
        intervals = tuple(
            IntervalResult(
                index=r.idx,
                kind=r.kind,
                planned_s=r.planned_s,
                actual_s=r.actual_s,
                status=r.status,
                start=r.start_utc,
                end=r.end_utc,
                avg_heart_rate=r.avg_heart_rate,
                avg_cadence_spm=r.avg_cadence_spm,
                avg_speed_mps=r.avg_speed_mps,
            )
            for r in self.conn.execute(
                select(s.match_interval).where(i.activity_id == activity_id).order_by(i.idx)
            )
        )
        return StoredMatch(
            activity_id=activity_id,
            plan_spec=row.plan_spec,
            plan_source=row.plan_source,
            path=row.path,
            compliance=Compliance(
                row.run_planned_s,
                row.run_actual_s,
                row.run_intervals_planned,
                row.run_intervals_done,
            ),
            intervals=intervals,
            matched_at=row.matched_at,
        )

    # --- bulk reads for deciding (one query each, whatever the number of runs) ----------

    def run_seconds_by_activity(self) -> dict[int, int]:
        """Seconds run per activity, summed by the database (one row per activity, not
        per bout: deciding again stays quick with a long history)."""
        b = s.bout.c
        seconds: ColumnElement[Any]
        if self.conn.dialect.name == "postgresql":
            seconds = func.extract("epoch", b.end_utc - b.start_utc)
        else:  # SQLite keeps the times as text; julianday() reads them
            seconds = (func.julianday(b.end_utc) - func.julianday(b.start_utc)) * 86400.0
        rows = self.conn.execute(
            select(b.activity_id, func.sum(func.round(seconds)))
            .where(b.athlete_id == self.athlete_id, b.kind == "run")
            .group_by(b.activity_id)
        ).all()
        return {activity_id: int(total or 0) for activity_id, total in rows}

    def match_summaries(self) -> dict[int, MatchSummary]:
        m, i = s.activity_match.c, s.match_interval.c
        specs = dict(
            self.conn.execute(
                select(m.activity_id, m.plan_spec).where(m.athlete_id == self.athlete_id)
            ).all()
        )
        counts: dict[int, list[int]] = {a: [0, 0, 0] for a in specs}
        rows = self.conn.execute(  # counted by the database: one row per activity
            select(
                i.activity_id,
                func.count(),
                func.sum(case((i.status == "done", 1), else_=0)),
                func.sum(case((i.status == "missed", 1), else_=0)),
            )
            .where(i.athlete_id == self.athlete_id, i.kind == "run")
            .group_by(i.activity_id)
        ).all()
        for activity_id, planned, done, missed in rows:
            counts[activity_id] = [int(planned), int(done or 0), int(missed or 0)]
        return {a: MatchSummary(specs.get(a), *counts.get(a, [0, 0, 0])) for a in specs}
