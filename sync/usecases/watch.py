"""Use case: the USB round trip. While her watch is mounted (`watch_dir`), take the runs in
its GARMIN/Activity that runback has not seen and put the next workout in GARMIN/NewFiles,
in one pass, said in one log line ("watch: 1 new run taken, workout for 06-12 put in
NewFiles").

Gather, decide, apply: list the watch's activity files; decide which are new (not seen
with this size and time) and from the programme (not before `watch_since`, by default
the birth: known from a Garmin's `2026-06-12-07-30-00.fit` name, else from the file's
own creation time); read and ingest those, never moving or changing the watch's files;
push. Each file is remembered once looked at, so a watch left plugged in costs a folder
listing a pass; a file left there as older is looked at again when the programme's start
moves earlier (the birth date set later). A file that cannot be read whole (unplugged
mid-read, an MTP hiccup) is tried again next pass. A mass-storage watch and an MTP mount
(jmtpfs, gvfs) look the same here: a folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sync import logs
from sync.adapters.fitfile import refused_early
from sync.adapters.fitscan import time_created
from sync.adapters.fittime import RELATIVE_LIMIT
from sync.adapters.reading import read_file
from sync.adapters.store.watch_files import SeenFile
from sync.bootstrap import App
from sync.formatting import safe_text
from sync.usecases.ingest import IngestResult, ingest_bytes
from sync.usecases.push import push

if TYPE_CHECKING:
    from sync.usecases.push import PushResult

FIRST_DAYS = 30  # without a birth date, the last month of the watch's runs
_MODERN_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-\d{2}-\d{2}-\d{2}\.fit$", re.IGNORECASE)
MAX_WATCH_FILE_BYTES = 64 * 1024 * 1024  # no activity file is this big: a damaged entry
_FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)


@dataclass
class WatchReport:
    results: list[IngestResult] = field(default_factory=list)
    older: int = 0  # left on the watch: from before `watch_since`
    others: int = 0  # left on the watch: not runs or walks (rides, swims ...)
    unreadable: int = 0  # could not be read whole this pass: tried again next pass
    pushes: list[PushResult] = field(default_factory=list)
    pushed_for: date | None = None  # the workout put in NewFiles this pass

    def text(self) -> str | None:
        """The pass in words, or None when it did nothing worth a line."""
        taken = [r for r in self.results if r.state == "ingested"]
        refused = [r for r in self.results if not r.ok]
        parts = []
        if taken:
            old = sum(1 for r in taken if r.before_birth is not None)
            parts.append(
                f"{len(taken)} new run{'s' if len(taken) != 1 else ''} taken"
                + (f" ({old} from before the birth)" if old else "")
            )
        if refused:
            parts.append(f"{len(refused)} refused")
        if self.others:
            parts.append(
                f"{self.others} other activit{'ies' if self.others != 1 else 'y'} "
                "(not runs or walks) left on the watch"
            )
        if self.unreadable:
            parts.append(f"{self.unreadable} could not be read (tried again next pass)")
        if self.pushed_for is not None:
            parts.append(f"workout for {self.pushed_for:%m-%d} put in NewFiles")
        if not parts:
            return None
        if not taken and not refused and not self.unreadable and self.pushed_for is not None:
            parts.insert(0, "no new runs")
        return ", ".join(parts)


def activity_folder(watch_dir: Path) -> Path | None:
    """GARMIN/Activity of a mounted watch (any case), or None when it is not mounted."""
    return _child(watch_dir / "GARMIN", "activity")


def _child(folder: Path, lower: str) -> Path | None:
    try:
        if not folder.is_dir():
            return None
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.lower() == lower and entry.is_dir(follow_symlinks=False):
                    return Path(entry.path)
    except OSError:
        return None
    return None


def since(app: App) -> date:
    """The first day whose runs are taken from the watch."""
    if app.settings.watch_since is not None:
        return app.settings.watch_since
    with app.uow() as uow:
        profile = uow.repo.profile()
    if profile is not None and profile.birth_date is not None:
        return profile.birth_date
    return app.today() - timedelta(days=FIRST_DAYS)


def sync_watch(app: App) -> WatchReport | None:
    """One pass over the mounted watch; None when no watch is configured or mounted."""
    if app.settings.watch_dir is None:
        return None
    folder = activity_folder(app.settings.watch_dir)
    if folder is None:
        return None  # not plugged in: push says so once
    report = WatchReport()
    first = since(app) - timedelta(days=1)  # a day's slack for her zone
    with app.uow() as uow:
        seen = uow.repo.watch_files_seen()
    for path, size, mtime_ns in _listing(folder):
        name = safe_text(path.name)
        if not _looked_at(seen.get(name), size, mtime_ns, first):
            _take(app, path, name, size, mtime_ns, first, report)

    report.pushes = list(push(app, None, decide=False))
    if any(p.target == "watch" and p.state == "pushed" for p in report.pushes):
        with app.uow() as uow:
            latest = uow.repo.latest_decision(app.today())
        report.pushed_for = latest.on if latest is not None else None
    said = report.text()
    if said:
        logs.event("watch", text=said)
    return report


def _looked_at(before: SeenFile | None, size: int, mtime_ns: int, first: date) -> bool:
    """Seen as it is now; a run left there as older only until the start moves back."""
    if before is None or (before.size, before.mtime_ns) != (size, mtime_ns):
        return False
    return before.state != "older" or before.day is None or before.day < first


def _take(
    app: App, path: Path, name: str, size: int, mtime_ns: int, first: date, report: WatchReport
) -> None:
    day = _day_of_name(path.name)
    if day is not None and day < first:
        report.older += 1
        _remember(app, name, SeenFile(size, mtime_ns, "older", day), None)
        return
    try:
        data = read_file(path)
    except OSError as exc:  # unplugged while reading, or an MTP hiccup: next pass
        report.unreadable += 1
        logs.problem(f"watch:{name}", "watch-unreadable", file=path.name, reason=str(exc))
        return
    if len(data) != size:  # it changed, or the read was cut short: next pass, whole
        report.unreadable += 1
        logs.problem(f"watch:{name}", "watch-unreadable", file=path.name,
                     reason=f"read {len(data)} of {size} bytes")  # fmt: skip
        return
    logs.resolved(f"watch:{name}", "watch-readable", file=path.name)
    day = day or _day_created(data, app)
    if day is not None and day < first:
        report.older += 1
        _remember(app, name, SeenFile(size, mtime_ns, "older", day), None)
        return
    if refused_early(data):  # her rides and swims stay on the watch, unremarked
        report.others += 1
        _remember(app, name, SeenFile(size, mtime_ns, "other", day), None)
        return
    result = ingest_bytes(app, data, file_name=path.name, source="file")  # stored as `name`
    report.results.append(result)
    _remember(app, name, SeenFile(size, mtime_ns, result.state, day), result.activity_id)


def _listing(folder: Path) -> list[tuple[Path, int, int]]:
    """The watch's FIT activity files, oldest name first (names sort by time on Garmins).
    A link or a file too big to be an activity is left alone, and said once."""
    found = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not entry.name.lower().endswith(".fit"):
                    continue
                shown = entry.name  # the log escapes what is not UTF-8
                if entry.is_symlink():
                    logs.problem(f"watch-ignored:{shown}", "watch-ignored", file=shown,
                                 why="a link, not a file")  # fmt: skip
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
                if st.st_size > MAX_WATCH_FILE_BYTES:
                    logs.problem(f"watch-ignored:{shown}", "watch-ignored", file=shown,
                                 why=f"{st.st_size} bytes: too big to be an activity")  # fmt: skip
                    continue
                if st.st_size:
                    found.append((Path(entry.path), st.st_size, st.st_mtime_ns))
    except OSError:
        return []
    return sorted(found)


def _day_of_name(name: str) -> date | None:
    """The day in a Garmin's `2026-06-12-07-30-00.fit` name (its local time), if any."""
    found = _MODERN_NAME.match(name)
    if not found:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def _day_created(data: bytes, app: App) -> date | None:
    """The local day the file says it was made (file_id time_created), if absolute. A
    hint to leave old runs on the watch unread; the run itself decides once stored."""
    created = time_created(data)
    if created is None or created < RELATIVE_LIMIT:
        return None
    return (_FIT_EPOCH + timedelta(seconds=created)).astimezone(app.settings.tz()).date()


def _remember(app: App, name: str, seen: SeenFile, activity_id: int | None) -> None:
    with app.uow() as uow:
        uow.repo.saw_watch_file(name, seen, activity_id, app.clock())
        uow.commit()
