"""Queries for stored decisions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, insert, select, update

from sync.adapters.store import schema as s


@dataclass(frozen=True)
class StoredDecision:
    id: int
    made_at: datetime
    made_for: date
    on: date
    phase: str
    level: int
    spec: str | None
    body: dict[str, Any]
    inputs: dict[str, Any]
    digest: str


class Given(NamedTuple):
    """What a decision gave, without its reasons and inputs (for deciding again)."""

    on: date
    id: int
    phase: str
    level: int
    spec: str | None


class DecisionQueries:
    conn: Connection
    athlete_id: int

    def add_decision(
        self,
        *,
        made_at: datetime,
        made_for: date,
        body: dict[str, Any],
        inputs: dict[str, Any],
        digest: str,
    ) -> int:
        workout = body.get("workout")
        return int(
            self.conn.execute(
                insert(s.decision)
                .values(
                    athlete_id=self.athlete_id,
                    made_at=made_at,
                    made_for=made_for,
                    on_date=date.fromisoformat(body["date"]),
                    phase=body["phase"],
                    level=body["level"],
                    spec=workout["spec"] if workout else None,
                    body=json.dumps(body, sort_keys=True),
                    inputs=json.dumps(inputs, sort_keys=True),
                    digest=digest,
                )
                .returning(s.decision.c.id)
            ).scalar_one()
        )

    def decisions(self) -> list[StoredDecision]:
        d = s.decision.c
        rows = self.conn.execute(
            select(s.decision).where(d.athlete_id == self.athlete_id).order_by(d.id)
        )
        return [_stored(row) for row in rows]

    def given(self) -> list[Given]:
        """What she was given for each date: the date, phase, level and workout of the
        decision made last for it, in date order. Deciding again makes a decision per
        change, so a date may have many; only the last is what she was given."""
        d = s.decision.c
        last = select(func.max(d.id)).where(d.athlete_id == self.athlete_id).group_by(d.on_date)
        rows = self.conn.execute(
            select(d.on_date, d.id, d.phase, d.level, d.spec)
            .where(d.id.in_(last))
            .order_by(d.on_date)
        ).all()
        return [Given(*row) for row in rows]

    def latest_digest(self, as_of: date) -> str | None:
        """The digest of the decision in force on `as_of` (see latest_decision), read
        alone: deciding again compares it and needs nothing else of the row."""
        d = s.decision.c
        return self.conn.execute(
            select(d.digest)
            .where(d.athlete_id == self.athlete_id, d.made_for <= as_of)
            .order_by(d.made_for.desc(), d.id.desc())
            .limit(1)
        ).scalar()

    def latest_decision(self, as_of: date | None = None) -> StoredDecision | None:
        """The decision in force on `as_of` (the date decisions are made for): the latest
        made for that day or the latest day before it. A decision made while replaying
        an earlier day (`--today` in the past) never stands in for today's."""
        d = s.decision.c
        query = select(s.decision).where(d.athlete_id == self.athlete_id)
        if as_of is not None:
            query = query.where(d.made_for <= as_of)
        row = self.conn.execute(query.order_by(d.made_for.desc(), d.id.desc()).limit(1)).first()
        return _stored(row) if row is not None else None

    def decision_for(self, day: date, *, or_before: bool = False) -> StoredDecision | None:
        """The latest decision that prescribed a session for `day` (what she was given);
        with `or_before`, the latest prescribing `day` or an earlier day."""
        d = s.decision.c
        when = d.on_date <= day if or_before else d.on_date == day
        row = self.conn.execute(
            select(s.decision)
            .where(d.athlete_id == self.athlete_id, when)
            .order_by(d.on_date.desc(), d.id.desc())
            .limit(1)
        ).first()
        return _stored(row) if row is not None else None


@dataclass(frozen=True)
class PushRecord:
    decision_id: int
    target: str
    on: date
    state: str
    detail: str | None
    attempts: int
    at: datetime


class PushQueries:
    conn: Connection
    athlete_id: int

    def push_of(self, decision_id: int, target: str) -> PushRecord | None:
        p = s.push.c
        row = self.conn.execute(
            select(s.push).where(p.decision_id == decision_id, p.target == target)
        ).first()
        return _push(row) if row is not None else None

    def record_push(
        self, *, decision_id: int, target: str, on: date, state: str, detail: str | None,
        at: datetime,
    ) -> None:  # fmt: skip
        """Remember how pushing a decision to a target ended (attempts are counted)."""
        p = s.push.c
        found = self.push_of(decision_id, target)
        if found is None:
            self.conn.execute(
                insert(s.push).values(
                    athlete_id=self.athlete_id,
                    decision_id=decision_id,
                    target=target,
                    on_date=on,
                    state=state,
                    detail=detail,
                    attempts=1,
                    at=at,
                )
            )
        else:
            self.conn.execute(
                update(s.push)
                .where(p.decision_id == decision_id, p.target == target)
                .values(state=state, detail=detail, attempts=found.attempts + 1, at=at)
            )

    def last_push_at(self) -> datetime | None:
        p = s.push.c
        return self.conn.execute(
            select(func.max(p.at)).where(p.athlete_id == self.athlete_id, p.state == "done")
        ).scalar()


def _push(row: Any) -> PushRecord:
    return PushRecord(
        row.decision_id, row.target, row.on_date, row.state, row.detail, row.attempts, row.at
    )


def _stored(row: Any) -> StoredDecision:
    return StoredDecision(
        id=row.id,
        made_at=row.made_at,
        made_for=row.made_for,
        on=row.on_date,
        phase=row.phase,
        level=row.level,
        spec=row.spec,
        body=json.loads(row.body),
        inputs=json.loads(row.inputs),
        digest=row.digest,
    )
