"""Queries for the files seen on her mounted watch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from sync.store import schema as s


class WatchQueries:
    conn: Connection
    athlete_id: int

    def watch_files_seen(self) -> dict[str, tuple[int, int]]:
        """name -> (size, mtime_ns) of every watch file already looked at."""
        w = s.watch_file.c
        rows = self.conn.execute(
            select(w.name, w.size, w.mtime_ns).where(w.athlete_id == self.athlete_id)
        )
        return {row.name: (row.size, row.mtime_ns) for row in rows}

    def saw_watch_file(
        self, name: str, size: int, mtime_ns: int, state: str, activity_id: int | None,
        at: datetime,
    ) -> None:  # fmt: skip
        w = s.watch_file.c
        values = {"size": size, "mtime_ns": mtime_ns, "state": state,
                  "activity_id": activity_id, "at": at}  # fmt: skip
        done = self.conn.execute(
            update(s.watch_file)
            .where(w.athlete_id == self.athlete_id, w.name == name)
            .values(values)
        )
        if not done.rowcount:
            self.conn.execute(
                insert(s.watch_file).values(athlete_id=self.athlete_id, name=name, **values)
            )
