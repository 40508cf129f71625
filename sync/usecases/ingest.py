"""Taking runs, shared by the CLI, the worker and the Garmin pull: ingest one file or
many (decoded in processes), list them, rebuild the store from the raw files."""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sync import logs
from sync.adapters.rawstore import RawOrigin, sha256_of
from sync.adapters.reading import read_file
from sync.adapters.store.repository import Duplicate, StoredActivity
from sync.bootstrap import App
from sync.errors import FitFileError
from sync.formatting import iso, safe_text
from sync.usecases.planning import prescribed_plan, refresh

if TYPE_CHECKING:  # types only: `status` and `activities` build no activity or match
    from rules.activity import Activity
    from rules.results import Match
    from sync.adapters.decodepool import RawDecoding
    from sync.adapters.decoding import Decoded


@dataclass(frozen=True)
class IngestResult:
    file: str
    # ingested | duplicate | rejected (FIT files); imported | refused-journal (symptom CSVs)
    state: str
    activity_id: int | None = None
    reason: str | None = None
    activity: Activity | None = None
    # The birth date, when the run is from before it: stored, but not part of the programme.
    before_birth: date | None = None

    @property
    def ok(self) -> bool:
        return self.state not in ("rejected", "refused-journal")


def ingest_bytes(
    app: App,
    data: bytes,
    *,
    file_name: str,
    source: str,
    source_id: str | None = None,
    decoded: Decoded | None = None,
) -> IngestResult:
    """Store one FIT file's activity once, however often and however it arrives.

    Idempotent by content hash and by (device serial, time created): the same run under
    another name, or once from the inbox and once from Garmin, is one activity. A name
    that is not UTF-8 is stored with its odd bytes written \\xNN (the log escapes it too).
    `decoded`: what a decoding process made of these bytes (sync.adapters.decodepool), used when
    its hash is theirs; else they are decoded here.
    """
    shown, file_name = file_name, safe_text(file_name)
    sha = sha256_of(data)
    with app.uow() as uow:
        existing = uow.repo.activity_id_by_sha(sha)
        if existing is not None:
            return _duplicate(app, uow, existing, shown, source, sha)
    try:
        act = _activity_of(app, data, sha, decoded)
    except FitFileError as exc:
        with app.uow() as uow:
            uow.repo.log_ingest(
                at=app.clock(),
                file_name=file_name,
                source=source,
                sha256=sha,
                state="rejected",
                reason=exc.reason,
            )
            uow.commit()
        logs.event("rejected", file=shown, source=source, reason=exc.reason)
        return IngestResult(shown, "rejected", reason=exc.reason)

    session, before_birth = _match_at_ingest(app, act, file_name)
    try:
        with app.uow() as uow:
            same_run = uow.repo.activity_id_by_device(act.device_serial, act.time_created)
            if same_run is not None:
                return _duplicate(app, uow, same_run, shown, source, sha)
            app.raw.put(sha, data, RawOrigin(source, file_name, source_id))
            new_id = uow.repo.add_activity(
                act,
                sha256=sha,
                source=source,
                file_name=file_name,
                at=app.clock(),
                source_id=source_id,
            )
            uow.repo.save_session(new_id, act.pauses, session, app.clock())
            # Entries she logged for that day before the run arrived are this run's (the
            # watch synced late, or the journal CSV came first).
            uow.repo.link_day_entries(act.start.astimezone(app.settings.tz()).date(), new_id)
            uow.repo.log_ingest(
                at=app.clock(),
                file_name=file_name,
                source=source,
                sha256=sha,
                state="ingested",
                activity_id=new_id,
            )
            uow.commit()
    except Duplicate:
        # Another worker stored it between our look and our insert.
        with app.uow() as uow:
            winner = uow.repo.activity_id_by_sha(sha) or uow.repo.activity_id_by_device(
                act.device_serial, act.time_created
            )
            return _duplicate(app, uow, winner, shown, source, sha)
    if before_birth is not None:
        # Her watch's history: kept, said once, and nothing to decide from it.
        logs.event(
            "ingested", file=shown, source=source, activity=new_id, start=iso(act.start),
            sport=act.sport, programme="before-birth",
        )  # fmt: skip
        return IngestResult(
            shown, "ingested", activity_id=new_id, activity=act, before_birth=before_birth
        )
    logs.event(
        "ingested",
        file=shown,
        source=source,
        activity=new_id,
        start=iso(act.start),
        sport=act.sport,
    )

    refresh(app)
    return IngestResult(shown, "ingested", activity_id=new_id, activity=act)


def _activity_of(app: App, data: bytes, sha: str, decoded: Decoded | None) -> Activity:
    """The run in `data`: as a decoding process read these same bytes, else read here.
    Raises FitFileError (a file that crashed its decoder is refused, never read here)."""
    from sync.adapters.fitfile import read_activity  # here: fitparse and numpy load only to ingest

    if decoded is not None and decoded.sha256 == sha:
        if decoded.activity is not None:
            return decoded.activity
        if decoded.refused is not None:
            raise FitFileError(decoded.refused)
    return read_activity(data, app.settings.tz())


def _match_at_ingest(app: App, act: Activity, file_name: str) -> tuple[Match, date | None]:
    """The run matched against the workout in the file, else the one prescribed that day,
    and the birth date when the run is from before it (then nothing was prescribed: only
    a workout recorded in the file is matched).

    A recorded workout too big to expand is ignored (the run is still stored), and the
    log says why."""
    from sync.usecases.analysis import analyze_activity, choose_plan  # numpy: only to ingest

    day = act.start.astimezone(app.settings.tz()).date()
    with app.uow() as uow:
        profile = uow.repo.profile()
        before_birth = profile is not None and profile.before_birth(day)
        prescribed = None if before_birth else prescribed_plan(uow, day)
    choice = choose_plan(act, None, prescribed, app.settings.plan_limits)
    if choice.ignored:
        logs.event("workout-ignored", file=file_name, reason=choice.ignored)
    birth = profile.birth_date if before_birth and profile is not None else None
    return analyze_activity(act, choice.plan, app.settings), birth


def _duplicate(
    app: App, uow: Any, activity_id: int | None, file_name: str, source: str, sha: str
) -> IngestResult:
    reason = f"duplicate of activity {activity_id}"
    uow.repo.log_ingest(
        at=app.clock(),
        file_name=safe_text(file_name),
        source=source,
        sha256=sha,
        state="duplicate",
        reason=reason,
        activity_id=activity_id,
    )
    uow.commit()
    logs.event("duplicate", file=file_name, source=source, activity=activity_id)
    return IngestResult(file_name, "duplicate", activity_id=activity_id, reason=reason)


def expand_paths(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """(file, problem) for each FIT file named or found in a named folder (any depth)."""
    for path in paths:
        if path.is_dir():
            found = False
            for child in sorted(path.rglob("*")):
                if (
                    child.is_file()
                    and child.suffix.lower() == ".fit"
                    and not child.name.startswith(".")
                ):
                    found = True
                    yield child, None
            if not found:
                yield path, "no .fit files in this folder"
        elif path.is_file():
            yield path, None
        elif path.exists():
            yield path, "not a regular file"
        else:
            yield path, "no such file or folder"


def ingest_file(app: App, path: Path, *, source: str, display: str | None = None) -> IngestResult:
    """Read one file (never moving or changing it) and ingest it."""
    name = display or path.name
    try:
        data = read_file(path)
    except OSError as exc:
        return _unreadable(name, source, f"cannot read: {exc.strerror or exc}")
    return ingest_bytes(app, data, file_name=name, source=source)


def ingest_files(
    app: App, paths: Sequence[Path], *, source: str, jobs: int | None = None
) -> Generator[IngestResult, None, None]:
    """ingest_file for each of `paths`, in their order. With `jobs` > 1 (None: every
    usable core) the files are read and decoded in that many processes while this one
    stores them in order: the same activities, ids, results and log lines as with one.
    Close the iterator when stopping early (its processes end with it)."""
    from sync.adapters.decodepool import DecodePool, usable_cores  # here: fitparse, only to ingest

    jobs = usable_cores() if jobs is None else jobs
    if jobs < 2 or len(paths) < 2:
        for path in paths:
            yield ingest_file(app, path, source=source)
        return
    with app.uow() as uow:
        known = uow.repo.activity_shas()
    with DecodePool(jobs, app.settings.tz(), known=known) as pool:
        for path, decoded in pool.map(paths):
            yield ingest_decoded(app, path, decoded, source=source)


def ingest_decoded(
    app: App, path: Path, decoded: Decoded, *, source: str, display: str | None = None
) -> IngestResult:
    """ingest_file for a file a decoding process has read (sync.adapters.decodepool)."""
    name = display or path.name
    if decoded.data is None:
        return _unreadable(name, source, decoded.unreadable or "cannot read")
    return ingest_bytes(app, decoded.data, file_name=name, source=source, decoded=decoded)


def _unreadable(name: str, source: str, reason: str) -> IngestResult:
    logs.event("rejected", file=name, source=source, reason=reason)
    return IngestResult(name, "rejected", reason=reason)


def list_activities(app: App) -> list[StoredActivity]:
    with app.uow() as uow:
        return uow.repo.activities()


def programme_start(app: App) -> date | None:
    """The day her programme starts (the birth): runs before it are her watch's history."""
    with app.uow() as uow:
        profile = uow.repo.profile()
    return profile.birth_date if profile is not None else None


@dataclass(frozen=True)
class RebuildReport:
    created: int
    refreshed: int
    problems: list[str]


def rebuild(
    app: App, jobs: int | None = None, decoding: RawDecoding | None = None
) -> RebuildReport:
    """Re-create the activities from the raw FIT store: new rows for files the database
    lost, fresh fields, laps, bouts and matches (same ids) for the ones it has. Nothing
    is deleted. With `jobs` > 1 (None: every usable core) the files are decoded in that
    many processes and stored here in the store's order, as with one. `decoding`: the
    store's files already being decoded (its caller closes it)."""
    created = refreshed = 0
    problems: list[str] = []
    with ExitStack() as stack:
        if decoding is None:
            from sync.adapters.decodepool import RawDecoding  # here, as in ingest_files

            decoding = stack.enter_context(RawDecoding(app.raw, app.settings.tz(), jobs))
        kept, outcomes = decoding.kept, decoding.outcomes
        problems += decoding.unreadable
        for (sha, _), (path, outcome) in zip(kept, outcomes, strict=True):
            if outcome.sha256 is None:
                problems.append(f"{path.name}: {outcome.unreadable}")
                continue
            if outcome.sha256 != sha:
                problems.append(f"{path.name}: content does not match its hash (damaged on disk)")
                continue
            act = outcome.activity
            if act is None:
                problems.append(f"{path.name}: {outcome.refused}")
                continue
            origin = app.raw.origin(sha) or RawOrigin("file", path.name)
            with app.uow() as uow:
                existing = uow.repo.activity_id_by_sha(sha)
                if existing is not None:
                    uow.repo.refresh_activity(existing, act)
                    activity_id = existing
                    refreshed += 1
                else:
                    activity_id = uow.repo.add_activity(
                        act,
                        sha256=sha,
                        source=origin.source,
                        file_name=origin.file_name,
                        at=app.clock(),
                        source_id=origin.source_id,
                    )
                    created += 1
                session, _ = _match_at_ingest(app, act, path.name)
                uow.repo.save_session(activity_id, act.pauses, session, app.clock())
                uow.commit()
    logs.event("rebuilt", created=created, refreshed=refreshed, problems=len(problems))
    return RebuildReport(created, refreshed, problems)
