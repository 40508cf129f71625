"""Use case: the USB round trip. While her watch is mounted (`watch_dir`), take the runs in
its GARMIN/Activity that runback has not seen and put the next workout in GARMIN/NewFiles,
in one pass, said in one log line ("watch: 1 new run taken, workout for 06-12 put in
NewFiles").

Gather, decide, apply: list the watch's activity files; decide which are new (not seen
with this size and time, not older than `watch_since`, by default the birth); read and
ingest those (the watch's files are never moved or changed); push. Each file is
remembered once looked at, so a watch left plugged in costs a directory listing a pass.
A mass-storage watch and an MTP mount (jmtpfs, gvfs) look the same here: a folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sync import logs
from sync.bootstrap import App
from sync.service import IngestResult, ingest_bytes

FIRST_DAYS = 30  # without a birth date, the last month of the watch's runs
_MODERN_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-\d{2}-\d{2}-\d{2}\.fit$", re.IGNORECASE)
MAX_WATCH_FILE_BYTES = 64 * 1024 * 1024  # no activity file is this big: a damaged entry


@dataclass
class WatchReport:
    results: list[IngestResult] = field(default_factory=list)
    older: int = 0  # left on the watch: from before `watch_since`
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
        if self.pushed_for is not None:
            parts.append(f"workout for {self.pushed_for:%m-%d} put in NewFiles")
        if not parts:
            return None
        if not taken and self.pushed_for is not None and not refused:
            parts.insert(0, "no new runs")
        return ", ".join(parts)


def activity_folder(watch_dir: Path) -> Path | None:
    """GARMIN/Activity of a mounted watch (any case), or None when it is not mounted."""
    garmin = watch_dir / "GARMIN"
    try:
        if not garmin.is_dir():
            return None
        with os.scandir(garmin) as entries:
            for entry in entries:
                if entry.name.lower() == "activity" and entry.is_dir():
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
    first = since(app)
    with app.uow() as uow:
        seen = uow.repo.watch_files_seen()
    for path, size, mtime_ns in _listing(folder):
        name = path.name
        if seen.get(name) == (size, mtime_ns):
            continue
        day = _day_of(name, mtime_ns, app)
        if day is not None and day < first - timedelta(days=1):
            report.older += 1
            _remember(app, name, size, mtime_ns, "older", None)
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:  # unplugged while reading, or an MTP hiccup: next pass
            logs.problem(f"watch:{name}", "watch-unreadable", file=name, reason=str(exc))
            break
        result = ingest_bytes(app, data, file_name=name, source="file")
        report.results.append(result)
        _remember(app, name, size, mtime_ns, result.state, result.activity_id)
    from sync.push import push

    pushed = [r for r in push(app, "watch", decide=False) if r.state == "pushed"]
    if pushed:
        with app.uow() as uow:
            latest = uow.repo.latest_decision(app.today())
        report.pushed_for = latest.on if latest is not None else None
    said = report.text()
    if said:
        logs.event("watch", text=said)
    return report


def _listing(folder: Path) -> list[tuple[Path, int, int]]:
    """The watch's FIT activity files, oldest name first (names sort by time on Garmins)."""
    found = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not entry.name.lower().endswith(".fit"):
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
                if 0 < st.st_size <= MAX_WATCH_FILE_BYTES:
                    found.append((Path(entry.path), st.st_size, st.st_mtime_ns))
    except OSError:
        return []
    return sorted(found)


_TRUSTED_AFTER = datetime(2010, 1, 1, tzinfo=UTC)  # an MTP mount may show no time (1970)


def _day_of(name: str, mtime_ns: int, app: App) -> date | None:
    """The run's local day without reading it: a Garmin's `2026-06-12-07-30-00.fit` name,
    else when the watch wrote the file, if that is believable; None: read it to know. Only
    a hint to leave old runs on the watch; the run itself decides once read."""
    found = _MODERN_NAME.match(name)
    if found:
        try:
            return date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            pass
    written = datetime.fromtimestamp(mtime_ns / 1e9, UTC)
    if written < _TRUSTED_AFTER:
        return None
    return written.astimezone(app.settings.tz()).date()


def _remember(
    app: App, name: str, size: int, mtime_ns: int, state: str, activity_id: int | None
) -> None:
    with app.uow() as uow:
        uow.repo.saw_watch_file(name, size, mtime_ns, state, activity_id, app.clock())
        uow.commit()
