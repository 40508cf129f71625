"""Queries for work items: enqueue, claim (one worker at a time), finish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from sync.adapters.store import schema as s


@dataclass(frozen=True)
class WorkItem:
    id: int
    kind: str
    key: str
    file_name: str
    state: str
    attempts: int


class WorkQueries:
    conn: Connection
    athlete_id: int

    def enqueue(self, kind: str, key: str, file_name: str, at: datetime) -> bool:
        """Add an item unless it is known; a `done` one whose file is back is reopened.
        Commits (its own small transaction). True when something is now pending."""
        w = s.work_item.c
        found = self.conn.execute(
            select(w.id, w.state).where(
                w.athlete_id == self.athlete_id, w.kind == kind, w.key == key
            )
        ).first()
        if found is not None:
            if found.state != "done":
                return False
            self.conn.execute(
                update(s.work_item)
                .where(w.id == found.id, w.state == "done")
                .values(state="pending", updated_at=at, claimed_by=None, claimed_at=None)
            )
            self.conn.commit()
            return True
        try:
            self.conn.execute(
                insert(s.work_item).values(
                    athlete_id=self.athlete_id,
                    kind=kind,
                    key=key,
                    file_name=file_name[:255],
                    state="pending",
                    attempts=0,
                    updated_at=at,
                )
            )
            self.conn.commit()
        except IntegrityError:
            self.conn.rollback()  # another worker enqueued it first
            return False
        return True

    def claim(self, kind: str, worker: str, now: datetime, lease_s: float) -> WorkItem | None:
        """Take the next item that is pending, due for a retry, or whose claim expired.
        Commits, so the claim is visible to other workers at once."""
        w = s.work_item.c
        query = (
            select(s.work_item)
            .where(self._due(kind, now, lease_s))
            .order_by(w.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = self.conn.execute(query).first()
        if row is None:
            self.conn.rollback()
            return None
        self.conn.execute(
            update(s.work_item)
            .where(w.id == row.id)
            .values(
                state="processing",
                claimed_by=worker,
                claimed_at=now,
                attempts=row.attempts + 1,
                updated_at=now,
            )
        )
        self.conn.commit()
        return WorkItem(row.id, row.kind, row.key, row.file_name, "processing", row.attempts + 1)

    def due(self, kind: str, now: datetime, lease_s: float) -> list[WorkItem]:
        """The items `claim` would hand out now, in its order, without claiming any (the
        worker decodes their files ahead while it takes them one by one)."""
        rows = self.conn.execute(
            select(s.work_item).where(self._due(kind, now, lease_s)).order_by(s.work_item.c.id)
        )
        return [WorkItem(r.id, r.kind, r.key, r.file_name, r.state, r.attempts) for r in rows]

    def _due(self, kind: str, now: datetime, lease_s: float) -> ColumnElement[bool]:
        """Pending, due for a retry, or claimed by a worker whose lease ran out."""
        w = s.work_item.c
        stale = now - timedelta(seconds=lease_s)
        return and_(
            w.athlete_id == self.athlete_id,
            w.kind == kind,
            or_(
                w.state == "pending",
                and_(w.state == "failed", w.next_attempt_at <= now),
                and_(w.state == "processing", w.claimed_at < stale),
            ),
        )

    def finish(
        self, item_id: int, state: str, at: datetime, error: str | None = None,
        retry_at: datetime | None = None, attempts: int | None = None,
    ) -> None:  # fmt: skip
        """End a claim. `attempts` overrides the count (a wait that was not the file's
        fault, a folder that could not be written, does not use up an attempt)."""
        w = s.work_item.c
        values: dict[str, object] = {
            "state": state,
            "last_error": error,
            "next_attempt_at": retry_at,
            "updated_at": at,
            "claimed_by": None,
            "claimed_at": None,
        }
        if attempts is not None:
            values["attempts"] = attempts
        self.conn.execute(update(s.work_item).where(w.id == item_id).values(values))
        self.conn.commit()

    def release_claims_of(self, workers: list[str], at: datetime) -> int:
        """Items claimed by workers known to be dead go back to pending."""
        if not workers:
            return 0
        w = s.work_item.c
        result = self.conn.execute(
            update(s.work_item)
            .where(
                w.athlete_id == self.athlete_id,
                w.state == "processing",
                w.claimed_by.in_(workers),
            )
            .values(state="pending", claimed_by=None, claimed_at=None, updated_at=at)
        )
        self.conn.commit()
        return int(result.rowcount or 0)

    def claimed_by_others(self) -> list[str]:
        w = s.work_item.c
        return list(
            self.conn.execute(
                select(w.claimed_by)
                .where(w.athlete_id == self.athlete_id, w.state == "processing")
                .distinct()
            ).scalars()
        )

    def work_counts(self) -> dict[str, int]:
        w = s.work_item.c
        rows = self.conn.execute(
            select(w.state, func.count()).where(w.athlete_id == self.athlete_id).group_by(w.state)
        )
        return {state: int(n) for state, n in rows}
