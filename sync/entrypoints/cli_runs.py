"""The `runback` commands about runs and the running service: ingest, activities, analyze,
status, db, worker. Thin, like cli.py: each imports its use cases when it runs
(start-up time: `--help` and a bad argument import none of them)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync.bootstrap import App
from sync.entrypoints.cli_common import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, fail
from sync.formatting import clock, iso, km, printable

JOBS_HELP = (
    "decode the files in up to N processes, at most one per usable core (default: every"
    " usable core); 1: in this process only"
)


def jobs_arg(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of processes") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {jobs}")
    return jobs


def cmd_ingest(app: App, args: argparse.Namespace) -> int:
    from contextlib import closing

    from sync.entrypoints.progress import Progress
    from sync.usecases.ingest import IngestResult, expand_paths, ingest_files

    targets = list(expand_paths(args.paths))
    files = [path for path, problem in targets if not problem]
    rejected = 0
    with (
        Progress(len(targets), "ingest", enabled=not args.quiet) as progress,
        closing(ingest_files(app, files, source="file", jobs=args.jobs)) as stored,
    ):
        for path, problem in targets:
            if problem:
                result = IngestResult(str(path), "rejected", reason=problem)
            else:
                result = next(stored)
            progress.clear()
            line = _ingest_line(str(path), result)
            if result.ok:
                print(line, flush=True)
            else:
                rejected += 1
                print(line, file=sys.stderr, flush=True)
            progress.step()
    return EXIT_BAD_INPUT if rejected else EXIT_OK


def _ingest_line(path: str, result: Any) -> str:
    shown = printable(path)  # a name's escape sequences are shown, never acted on
    if result.state == "ingested":
        act = result.activity
        line = (
            f"ingested {shown}: activity {result.activity_id} ({act.sport}, "
            f"{act.start:%Y-%m-%d %H:%M} UTC, {clock(act.timer_s)}, {km(act.distance_m)})"
        )
        if result.before_birth is not None:
            line += f"; before the birth ({result.before_birth}): kept, not part of the programme"
        return line
    if result.state == "duplicate":
        return f"duplicate {shown}: {result.reason}"
    return f"rejected {shown}: {result.reason}"


def cmd_activities(app: App, args: argparse.Namespace) -> int:
    from sync.usecases.ingest import list_activities, programme_start

    rows = list_activities(app)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": a.id,
                        "start": iso(a.start),
                        "sport": a.sport,
                        "source": a.source,
                        "file": a.file_name,
                        "timer_s": round(a.timer_s, 3),
                        "distance_m": None if a.distance_m is None else round(a.distance_m, 2),
                    }
                    for a in rows
                ],
                indent=2,
            )
        )
        return EXIT_OK
    if not rows:
        print(
            f"no activities yet: drop FIT files into {app.settings.inbox} "
            "or run 'runback ingest PATH'"
        )
        return EXIT_OK
    tz = app.settings.tz()
    born = programme_start(app)
    print(
        f"{'id':>4}  {'start (local)':16}  {'sport':8}  {'time':>8}  {'distance':>9}  "
        f"{'source':6}  file"
    )
    old = 0
    for a in rows:
        local = a.start.astimezone(tz)
        before = born is not None and local.date() < born
        old += before
        print(
            f"{a.id:>4}  {local:%Y-%m-%d %H:%M}  {a.sport:8}  "
            f"{clock(a.timer_s):>8}  {km(a.distance_m):>9}  {a.source:6}  {printable(a.file_name)}"
            + ("  (before the birth)" if before else "")
        )
    if old:
        print(
            f"{old} run{'s' if old != 1 else ''} from before the birth ({born}): kept, "
            "not part of the programme (not matched, not in the plan or the report)"
        )
    return EXIT_OK


def cmd_analyze(app: App, args: argparse.Namespace) -> int:
    from sync.usecases.analysis import analyze_target, as_json, as_text

    analysis = analyze_target(app, args.target, args.plan)
    if args.json:
        print(json.dumps(as_json(analysis), indent=2))
    else:
        print("\n".join(as_text(analysis, app.settings.tz())))
    return EXIT_OK


def cmd_status(app: App, args: argparse.Namespace) -> int:
    from sync.usecases.status import status

    st = status(app)
    body = st.as_json()
    if args.healthy:
        return _healthy(st.worker_last_pass, app.clock())
    if args.json:
        print(json.dumps(body, indent=2))
        return EXIT_OK
    print(f"activities:   {body['activities']}")
    print(f"last ingest:  {body['last_ingest'] or 'never'}")
    print(f"last push:    {body['last_push'] or 'never'}")
    print(f"inbox:        {body['inbox']} ({body['pending']} waiting)")
    print(f"database:     {body['database']}")
    print(f"garmin:       {body['garmin']}")
    print(f"worker:       {_pass_age(st.worker_last_pass, app.clock())}")
    nxt = body["next_workout"]
    shown = f"{nxt['date']}  {nxt['spec']}" if nxt else "none yet"
    print(f"next workout: {shown}")
    if st.failed:
        print("failed:")
        for f in st.failed:
            print(f"  {printable(f['file'])}: {printable(f['reason'])}")
    return EXIT_OK


HEALTHY_WITHIN_S = 300  # the worker passes every few seconds; a long file may take a minute


def _pass_age(last: datetime | None, now: datetime) -> str:
    if last is None:
        return "no pass yet (is `runback worker` running?)"
    return f"last pass {max(0, round((now - last).total_seconds()))} s ago"


def _healthy(last: datetime | None, now: datetime) -> int:
    age = _pass_age(last, now)
    if last is not None and (now - last).total_seconds() <= HEALTHY_WITHIN_S:
        print(f"healthy: {age}")
        return EXIT_OK
    return fail(f"unhealthy: {age}", EXIT_FAILURE)


def cmd_db(app: App, args: argparse.Namespace) -> int:
    from sync.usecases.ingest import rebuild

    report = rebuild(app, jobs=args.jobs, decoding=args.early)
    for problem in report.problems:
        print(f"skipped {problem}", file=sys.stderr)
    print(
        f"rebuilt from {app.settings.raw}: {report.created} re-created, "
        f"{report.refreshed} refreshed, {len(report.problems)} skipped"
    )
    return EXIT_FAILURE if report.problems else EXIT_OK


def cmd_worker(app: App, args: argparse.Namespace) -> int:
    import threading

    from sync import logs
    from sync.adapters.heartbeat import check_writable
    from sync.bootstrap import HOME_DIRS
    from sync.entrypoints.worker import (
        acquire_single_worker_lock,
        install_signal_handlers,
        run_forever,
        run_once,
    )

    home = app.settings.home
    check_writable([home, *(home / name for name in HOME_DIRS)])
    lock = acquire_single_worker_lock(app)
    try:
        stop = threading.Event()
        install_signal_handlers(stop)
        logs.event(
            "worker-started",
            inbox=str(app.settings.inbox),
            database=app.settings.db_label(),
            once=bool(args.once),
        )
        if args.once:
            run_once(app, stop)
        else:
            print(
                f"runback worker: drop FIT files into {app.settings.inbox} (Ctrl-C to stop)",
                file=sys.stderr,
                flush=True,
            )
            run_forever(app, stop)
        logs.event("worker-stopped")
        return EXIT_OK
    finally:
        if lock is not None:
            lock.close()
