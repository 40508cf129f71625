"""Use case: send the latest decision's workout where she can use it.

Targets: `outbox` (RUNBACK_HOME/outbox, always), `watch` (GARMIN/NewFiles of the
mounted watch in the `watch_dir` setting), `garmin` (Garmin Connect, when logged in).
Each decision goes to each target once; a push that failed is tried again next time.
A push is a `pushed` log line; a failure is a `push-failed` line the first time it
happens, not again on every pass while it lasts (a watch left unplugged).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rules.workout import Workout, parse
from sync import logs
from sync.adapters.rawstore import write_private_atomic
from sync.adapters.store.decisions import PushRecord, StoredDecision
from sync.adapters.workout_fit import workout_file
from sync.adapters.workout_names import Label, label
from sync.bootstrap import App
from sync.errors import BadInput, FolderError, PushFailed
from sync.usecases.garmin_push import push_workout
from sync.usecases.garmin_sync import connected
from sync.usecases.planning import refresh

TARGETS = ("outbox", "watch", "garmin")


@dataclass(frozen=True)
class PushResult:
    target: str
    state: str  # pushed | already | failed | skipped | would-push
    detail: str
    workout: str = ""  # its name on the watch


def default_targets(app: App) -> list[str]:
    targets = ["outbox"]
    if app.settings.watch_dir is not None:
        targets.append("watch")
    if garmin_configured(app):
        targets.append("garmin")
    return targets


def garmin_configured(app: App) -> bool:
    return connected(app) or app.garmin is not None


def file_name(decision: StoredDecision) -> str:
    return f"runback-{decision.on.isoformat()}.fit"


def push(
    app: App, to: str | None = None, *, dry_run: bool = False, decide: bool = True
) -> list[PushResult]:
    """Push the latest decision to `to` (outbox, watch, garmin or all; default: outbox
    plus whatever is configured). `decide=False` when the caller has just decided (an
    ingest does), so the inputs are not gathered twice."""
    if to not in (None, "all", *TARGETS):
        raise BadInput(f"--to: unknown target '{to}' (outbox, watch, garmin or all)")
    if decide:
        refresh(app)
    with app.uow() as uow:
        decision = uow.repo.latest_decision(app.today())
    if decision is None or decision.spec is None:
        return [PushResult("outbox", "skipped", "no workout to push yet (see runback plan)")]
    if decision.on < app.today():
        return [
            PushResult("outbox", "skipped", f"the workout for {decision.on} is past: not pushed")
        ]
    if to == "all":
        targets = list(TARGETS)
    elif to is None:
        targets = default_targets(app)
    else:
        targets = [to]
    workout = Workout(f"runback L{decision.level} {decision.on}", decision.on, parse(decision.spec))
    made = label(
        workout, decision.id, decision.body.get("reasons", []), decision.phase, decision.level
    )
    if app.looking_back:  # a replay of a past day writes files here, never to her watch or Garmin
        return [
            _push_one(app, decision, workout, made, target, dry_run)
            if target == "outbox"
            else PushResult(target, "skipped", f"--today {app.today()} is in the past: outbox only")
            for target in targets
        ]
    return [_push_one(app, decision, workout, made, target, dry_run) for target in targets]


def _push_one(
    app: App, decision: StoredDecision, workout: Workout, made: Label, target: str, dry_run: bool
) -> PushResult:
    with app.uow() as uow:
        done = uow.repo.push_of(decision.id, target)
    if done is not None and done.state == "done":
        return PushResult(target, "already", done.detail or "", made.watch_name)
    if dry_run:
        return PushResult(target, "would-push", f"{decision.on} {decision.spec}", made.watch_name)
    attempted = True
    try:
        detail = _deliver(app, decision, workout, made, target)
        state = "done"
    except PushFailed as exc:
        detail, state, attempted = exc.reason, "failed", exc.attempted
    with app.uow() as uow:
        uow.repo.record_push(
            decision_id=decision.id, target=target, on=decision.on, state=state,
            detail=detail, at=app.clock(),
        )  # fmt: skip
        uow.commit()
    if state == "done":
        logs.event(
            "pushed", target=target, date=decision.on.isoformat(), phase=decision.phase,
            level=decision.level, workout=made.watch_name, spec=decision.spec,
        )  # fmt: skip
        return PushResult(target, "pushed", detail, made.watch_name)
    if says_something_new(done, detail, attempted):
        logs.event("push-failed", target=target, date=decision.on.isoformat(), reason=detail)
    return PushResult(target, "failed", detail, made.watch_name)


def says_something_new(before: PushRecord | None, detail: str, attempted: bool) -> bool:
    """Whether a failed push is worth a log line: the first failure of this decision to this
    target, or a different one. The same fault again (a watch still unplugged, a folder
    still read-only) or a pass skipped while Garmin backs off is not: the worker tries
    every pass and would say it every 30 s."""
    if before is None or before.state != "failed":
        return True
    return attempted and before.detail != detail


def _deliver(app: App, decision: StoredDecision, workout: Workout, made: Label, target: str) -> str:
    data = workout_file(workout, made, app.clock())
    if target == "outbox":
        path = app.settings.outbox / file_name(decision)
        try:
            app.settings.outbox.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_private_atomic(path, data)
        except OSError as exc:
            fault = FolderError.from_os(exc, app.settings.outbox, "write to")
            raise PushFailed(f"{fault} (runback tries again)") from None
        return str(path)
    if target == "watch":
        return str(_to_watch(app.settings.watch_dir, file_name(decision), data))
    if not garmin_configured(app):
        raise PushFailed("not connected to Garmin Connect: run 'runback garmin login' first")

    return push_workout(app, decision, workout, made)


def _to_watch(watch_dir: Path | None, name: str, data: bytes) -> Path:
    if watch_dir is None:
        raise PushFailed("no watch configured (set watch_dir to the mounted watch)")
    garmin = watch_dir / "GARMIN"
    if not garmin.is_dir():
        raise PushFailed(
            f"no watch mounted at {watch_dir} (no GARMIN folder there); will push when it is"
        )
    folder = next(
        (p for p in _children(garmin) if p.name.lower() == "newfiles" and p.is_dir()),
        garmin / "NewFiles",
    )  # a watch may write it NEWFILES; on a case-sensitive mount that is its folder
    try:
        folder.mkdir(exist_ok=True)
        path = folder / name
        write_private_atomic(path, data)
        _drop_stale(folder, keep=name)
    except OSError as exc:
        fault = FolderError.from_os(exc, folder, "write to the watch at")
        raise PushFailed(f"{fault} (runback tries again)") from None
    return path


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


_OWN_FILE = re.compile(r"^runback-\d{4}-\d{2}-\d{2}\.fit$")


def _drop_stale(folder: Path, keep: str) -> None:
    """runback's workout files for other days, not yet taken by the watch, go: she gets
    the one workout she is to do next, never an outdated one beside it. Only runback's
    own file names are touched."""
    for entry in folder.iterdir():
        if entry.name != keep and _OWN_FILE.match(entry.name) and entry.is_file():
            entry.unlink()
