"""Queries for the files seen on her mounted watch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, insert, select, update

from sync.adapters.store import schema as s


@dataclass(frozen=True)
class SeenFile:
    size: int
    mtime_ns: int
    state: str
    day: date | None


class WatchQueries:
    conn: Connection
    athlete_id: int

    def watch_files_seen(self) -> dict[str, SeenFile]:
        """name -> what was found of every watch file already looked at."""
        w = s.watch_file.c
        rows = self.conn.execute(
            select(w.name, w.size, w.mtime_ns, w.state, w.day).where(
                w.athlete_id == self.athlete_id
            )
        )
        return {row.name: SeenFile(row.size, row.mtime_ns, row.state, row.day) for row in rows}

    def saw_watch_file(
        self, name: str, seen: SeenFile, activity_id: int | None, at: datetime
    ) -> None:
        w = s.watch_file.c
        values = {"size": seen.size, "mtime_ns": seen.mtime_ns, "state": seen.state,
                  "day": seen.day, "activity_id": activity_id, "at": at}  # fmt: skip
        done = self.conn.execute(
            update(s.watch_file)
            .where(w.athlete_id == self.athlete_id, w.name == name)
            .values(values)
        )
        if not done.rowcount:
            self.conn.execute(
                insert(s.watch_file).values(athlete_id=self.athlete_id, name=name, **values)
            )
