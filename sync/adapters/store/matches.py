"""Queries for what she did in each session: bouts, timer pauses and the stored match.

Rows go in and come out as rules' own types (Bout, Pause, IntervalResult, Compliance),
so the symptom journal and the progression rules read them without knowing the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Connection, delete, insert, select, update

from sync.adapters.store import schema as s

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


class SessionRow(NamedTuple):
    """An activity as deciding reads it; the run-step counts are None when it was not
    matched against a plan."""

    activity_id: int
    start: datetime
    run_s: int
    plan_spec: str | None
    runs_planned: int | None
    runs_done: int | None
    runs_missed: int | None


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
        run_s = sum(b.duration_s for b in result.bouts if b.kind == "run")
        self.conn.execute(
            update(s.activity).where(s.activity.c.id == activity_id).values(run_s=run_s)
        )
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
                    "run_intervals_missed": sum(
                        r.kind == "run" and r.status == "missed" for r in result.intervals
                    ),
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

    # --- the bulk read for deciding (one query, whatever the number of runs) ---------------

    def session_rows(self) -> list[SessionRow]:
        """Every activity in time order with what deciding reads of it: seconds run and,
        for a matched one, its plan and run steps planned, done and missed. These are
        kept with the activity by save_session, so the read is one row per run."""
        a, m = s.activity.c, s.activity_match.c
        columns = (
            a.id, a.start_utc, a.run_s, m.plan_spec, m.run_intervals_planned,
            m.run_intervals_done, m.run_intervals_missed,
        )  # fmt: skip
        rows = self.conn.execute(
            select(*columns)
            .select_from(s.activity.outerjoin(s.activity_match))
            .where(a.athlete_id == self.athlete_id)
            .order_by(a.start_utc, a.id)
        ).all()
        return [SessionRow(*row) for row in rows]
