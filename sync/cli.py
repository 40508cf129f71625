"""The `runback` command. Thin: parse options, call the service layer, print.

Exit codes: 0 success, 2 bad input, 1 anything else. An error is one line on stderr;
tracebacks go to the log file only.
"""

from __future__ import annotations

import argparse
import gc
import json
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from sync.bootstrap import App
    from sync.decodepool import RawDecoding
    from sync.settings import Settings

from sync.cli_journal import (
    check_args,
    cmd_profile,
    cmd_readiness,
    cmd_symptoms,
    profile_parser,
    readiness_parser,
    symptoms_parser,
)
from sync.formatting import clock, iso, km, printable

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
EXIT_TERMINATED = 128 + 15  # SIGTERM, as a shell reports a process it ended
MAX_WEEKS_AHEAD = 104


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see 'runback --help')")


def _date(text: str) -> date:
    from sync.dates import out_of_range

    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None
    problem = out_of_range(day)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return day


class _Version(argparse.Action):
    """`runback --version`: the installed package's version (read only when asked)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("runback")
        except PackageNotFoundError:  # run from a checkout that was never installed
            number = "unknown (not installed)"
        print(f"runback {number}")
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="runback", description="Return to running after childbirth, one run at a time."
    )
    p.add_argument("--home", type=Path, help="data folder [env RUNBACK_HOME]")
    p.add_argument("--db", metavar="URL", help="database URL [env RUNBACK_DATABASE_URL]")
    p.add_argument("--config", type=Path, metavar="FILE", help="settings file (TOML)")
    p.add_argument(
        "--today",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the date decisions are made for [env RUNBACK_TODAY]",
    )
    p.add_argument("--log-json", action="store_true", default=None, help="log lines as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--version", action=_Version, help="print runback's version")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for add in _PARSERS.values():
        add(sub)
    return p


def _ingest_parser(sub: Any) -> None:
    ingest = sub.add_parser(
        "ingest", help="read FIT files or folders into the store (never moves them)"
    )
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest.add_argument("--jobs", type=_jobs, metavar="N", help=_JOBS_HELP)


def _activities_parser(sub: Any) -> None:
    activities = sub.add_parser("activities", help="list stored activities")
    activities.add_argument("--json", action="store_true")


def _analyze_parser(sub: Any) -> None:
    analyze = sub.add_parser(
        "analyze", help="what she did in each prescribed interval of one run (a file or an id)"
    )
    analyze.add_argument(
        "target", metavar="FILE|ACTIVITY_ID", help="a FIT file, or a stored activity's id"
    )
    analyze.add_argument(
        "--plan",
        metavar="SPEC",
        help="the plan to match, e.g. 'walk 5m, 5x(run 30s, walk 4m30s), walk 5m' "
        "(default: the workout recorded in the file)",
    )
    analyze.add_argument("--json", action="store_true")


def _plan_parser(sub: Any) -> None:
    plan = sub.add_parser("plan", help="the next session, and why")
    plan.add_argument("--json", action="store_true")
    plan.add_argument("--history", action="store_true", help="every decision so far, and why")
    plan.add_argument(
        "--ahead",
        nargs="?",
        const=12,
        type=_weeks_ahead,
        metavar="WEEKS",
        help="the sessions of the next WEEKS weeks (default 12) if all goes as planned; "
        "stores nothing",
    )


def _push_parser(sub: Any) -> None:
    push = sub.add_parser("push", help="send the next workout to the outbox, the watch, Garmin")
    push.add_argument(
        "--to",
        choices=("outbox", "watch", "garmin", "all"),
        help="default: the outbox, plus the watch and Garmin Connect when configured",
    )
    push.add_argument("--dry-run", action="store_true", help="say what would be sent")
    push.add_argument("--json", action="store_true", help="one object per target")


def _garmin_parser(sub: Any) -> None:
    garmin = sub.add_parser("garmin", help="Garmin Connect: log in, pull runs, see the state")
    g_sub = garmin.add_subparsers(dest="garmin_command", metavar="ACTION", parser_class=_Parser)
    g_sub.required = True
    g_sub.add_parser("login", help="log in once (email, password, MFA code); tokens are saved")
    g_pull = g_sub.add_parser("pull", help="ingest runs uploaded since the last pull")
    g_pull.add_argument("--since", type=_date, metavar="D", help="backfill from this date")
    g_pull.add_argument("--json", action="store_true", help="the counts as one object")
    g_status = g_sub.add_parser("status", help="login state, back-off, last pull")
    g_status.add_argument("--json", action="store_true")


def _report_parser(sub: Any) -> None:
    report = sub.add_parser("report", help="one HTML page of her progress (opens offline)")
    report.add_argument(
        "--out", type=Path, metavar="FILE.html", help="default RUNBACK_HOME/report.html"
    )


def _status_parser(sub: Any) -> None:
    status = sub.add_parser("status", help="what has been synced, what is waiting, what failed")
    status.add_argument("--json", action="store_true")
    status.add_argument(
        "--healthy",
        action="store_true",
        help="exit 0 when the worker's last pass is recent, else 1 (a container healthcheck)",
    )


def _db_parser(sub: Any) -> None:
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", parser_class=_Parser)
    db_sub.required = True
    rebuild = db_sub.add_parser("rebuild", help="re-create activities from the raw FIT store")
    rebuild.add_argument("--jobs", type=_jobs, metavar="N", help=_JOBS_HELP)


def _worker_parser(sub: Any) -> None:
    worker = sub.add_parser("worker", help="watch the inbox and sync until stopped")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")


# In the order `runback --help` lists them.
_PARSERS: dict[str, Callable[[Any], None]] = {
    "ingest": _ingest_parser,
    "activities": _activities_parser,
    "analyze": _analyze_parser,
    "profile": lambda sub: profile_parser(sub, _date),
    "readiness": lambda sub: readiness_parser(sub, _date),
    "symptoms": symptoms_parser,
    "plan": _plan_parser,
    "push": _push_parser,
    "garmin": _garmin_parser,
    "report": _report_parser,
    "status": _status_parser,
    "db": _db_parser,
    "worker": _worker_parser,
}


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    """Run one `runback` command; the exit code. `own_process`: this call is the whole
    process (entry(), the console script), so start-up runs without the cyclic collector
    and is frozen out of its sight before the command runs."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    from sync.errors import BadInput, RunbackError

    try:
        check_args(args)  # wrong options answer before settings and the database open
    except BadInput as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)

    app = None
    early = None
    code: int | None = None  # None until the command has returned
    try:
        settings = _settings(args)
        args.early = early = _start_early(args, settings)
        from sync.bootstrap import bootstrap

        app = bootstrap(settings, log_to_stderr=args.command == "worker")
        if own_process:
            # What start-up built (modules, SQLAlchemy, the app) lives as long as the
            # process: frozen, the collector never traverses it again. Then collect as
            # usual: a command may run for hours (a backfill, the worker).
            gc.freeze()
            gc.enable()
        code = int(_COMMANDS[args.command](app, args))
        return code
    except BadInput as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except RunbackError as exc:
        return _fail(str(exc), EXIT_FAILURE)
    except Terminated:
        return _fail("stopped (SIGTERM)", EXIT_TERMINATED)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:
        return EXIT_FAILURE
    except Exception as exc:  # last resort: one line for her, the traceback for the log
        import logging

        from sync.errors import first_line, private_exc_info

        log = logging.getLogger("runback")
        if not log.hasHandlers():  # before the log is open: Python would print the trace
            return _fail(f"internal error: {type(exc).__name__}: {first_line(exc)}", EXIT_FAILURE)
        log.error("internal error", exc_info=private_exc_info(exc))
        return _fail(
            f"internal error: {type(exc).__name__}: {first_line(exc)} (details in the log)",
            EXIT_FAILURE,
        )
    finally:
        if early is not None:  # interrupted or failed: its processes are not waited for
            early.close(abandon=code is None)
        if app is not None:
            app.close()


def _start_early(args: argparse.Namespace, settings: Settings) -> RawDecoding | None:
    """What a command starts before the database opens: `db rebuild`'s decoding, whose
    processes take the first files while this one imports SQLAlchemy and migrates."""
    if args.command != "db":
        return None
    from sync.decodepool import RawDecoding
    from sync.rawstore import RawStore

    return RawDecoding(RawStore(settings.raw), settings.tz(), args.jobs)


def _fail(message: str, code: int) -> int:
    print(f"runback: {message}", file=sys.stderr)
    return code


def _settings(args: argparse.Namespace) -> Settings:
    from sync.settings import load_settings

    return load_settings(
        args.config,
        home=args.home,
        database_url=args.db,
        today=args.today,
        log_json=args.log_json,
    )


# --- commands ---------------------------------------------------------------------------


_JOBS_HELP = (
    "decode the files in up to N processes, at most one per usable core (default: every"
    " usable core); 1: in this process only"
)


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of processes") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {jobs}")
    return jobs


def cmd_ingest(app: App, args: argparse.Namespace) -> int:
    from contextlib import closing

    from sync.progress import Progress
    from sync.service import IngestResult, expand_paths, ingest_files

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
    from sync.service import list_activities, programme_start

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
    from sync.analysis import analyze_target, as_json, as_text

    analysis = analyze_target(app, args.target, args.plan)
    if args.json:
        print(json.dumps(as_json(analysis), indent=2))
    else:
        print("\n".join(as_text(analysis, app.settings.tz())))
    return EXIT_OK


def _weeks_ahead(text: str) -> int:
    try:
        weeks = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of weeks") from None
    if not 1 <= weeks <= MAX_WEEKS_AHEAD:
        raise argparse.ArgumentTypeError(f"weeks must be 1-{MAX_WEEKS_AHEAD}, got {weeks}")
    return weeks


def cmd_plan(app: App, args: argparse.Namespace) -> int:
    from sync.errors import BadInput
    from sync.planning import ahead, decision_json, history, look, refresh

    if args.ahead is not None:
        if args.history:
            raise BadInput("give --ahead or --history, not both")
        road = ahead(app, args.ahead)
        if args.json:
            print(json.dumps([decision_json(d) for d in road], indent=2))
            return EXIT_OK
        weeks = f"{args.ahead} week{'s' if args.ahead != 1 else ''}"
        print(f"if every session goes as planned ({weeks}; nothing is stored):")
        for step in road:
            spec = step.workout.spec if step.workout else "no workout"
            print(f"{step.on}  {step.on:%a}  L{step.level:<3} {step.phase:<10}  {spec}")
        if not road:
            print("no sessions ahead: see runback plan for why")
        return EXIT_OK
    if args.history:
        past = history(app)
        if args.json:
            print(json.dumps([_past_json(d) for d in past], indent=2))
            return EXIT_OK
        if not past:
            print("no decisions yet")
        for d in past:
            spec = d.spec or "no workout"
            print(f"{d.made_for}  for {d.on}  {d.phase} L{d.level}: {spec}")
            for reason in d.body["reasons"]:
                print(f"    - {reason}")
        return EXIT_OK
    if app.looking_back:
        print(
            f"runback: --today {app.today()} is in the past: this is how that day looked; "
            "nothing is stored or pushed",
            file=sys.stderr,
        )
        decision = look(app)
    else:
        decision, _ = refresh(app)
    body = decision_json(decision)
    if args.json:
        print(json.dumps(body, indent=2))
        return EXIT_OK
    w = body["workout"]
    print(f"next session: {body['date']} ({body['phase']}, level {body['level']})")
    print(f"workout:      {w['spec'] if w else 'none yet'}")
    for reason in body["reasons"]:
        print(f"  - {reason}")
    return EXIT_OK


def _past_json(d: Any) -> dict[str, Any]:
    return {"made_on": d.made_for.isoformat(), "made_at": iso(d.made_at), **d.body}


def cmd_push(app: App, args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from sync.push import push

    results = push(app, args.to, dry_run=args.dry_run)
    failed = any(r.state == "failed" for r in results)
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
        return EXIT_FAILURE if failed else EXIT_OK
    for r in results:
        named = f"'{r.workout}' " if r.workout and r.state in ("pushed", "would-push") else ""
        line = f"{r.target}: {r.state} {named}{r.detail}".rstrip()
        if r.state == "failed":
            failed = True
            print(line, file=sys.stderr)
        else:
            print(line)
    return EXIT_FAILURE if failed else EXIT_OK


def cmd_garmin(app: App, args: argparse.Namespace) -> int:
    from sync import garmin_sync

    if args.garmin_command == "login":
        import getpass

        email = input("Garmin Connect email: ").strip()
        password = getpass.getpass("Password (not stored): ")
        garmin_sync.login(app, email, password, lambda: input("MFA code: ").strip())
        print(f"logged in; tokens saved to {garmin_sync.token_file(app)} (owner-only)")
        return EXIT_OK
    if args.garmin_command == "pull":
        from sync.progress import Progress

        bar: Progress | None = None

        def progress(n: int) -> None:
            nonlocal bar
            if n >= 0:
                bar = Progress(n, "pull", enabled=not args.quiet)
                bar.__enter__()
            elif bar is not None:
                bar.step()

        try:
            report = garmin_sync.pull(app, args.since, progress)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
        failed = bool(report.note) and "nothing new" not in report.note
        if args.json:
            body = {
                "listed": report.listed, "ingested": report.ingested,
                "duplicates": report.duplicates, "rejected": report.rejected,
                "note": report.note or None,
            }  # fmt: skip
            print(json.dumps(body, indent=2))
            return EXIT_FAILURE if failed else EXIT_OK
        for problem in report.rejected:
            print(f"rejected {problem}", file=sys.stderr)
        if report.note and not report.listed:
            print(report.note, file=sys.stderr if "Garmin" in report.note else sys.stdout)
        print(
            f"pulled from Garmin Connect: {report.ingested} new, {report.duplicates} already "
            f"stored, {len(report.rejected)} rejected ({report.listed} listed)"
        )
        return EXIT_FAILURE if failed else EXIT_OK
    st = garmin_sync.state_word(app)
    with app.uow() as uow:
        state = uow.repo.garmin_state()
        refused = uow.repo.pull_refusals()
    if args.json:
        body = {
            "garmin": st,
            "last_pull": iso(state.last_pull_at) if state else None,
            "backoff_until": iso(state.backoff_until) if state else None,
            "refused": [
                {"activity": remote_id, "reason": reason, "at": iso(at)}
                for remote_id, reason, at in refused
            ],
        }
        print(json.dumps(body, indent=2))
        return EXIT_OK
    print(f"garmin:     {st}")
    print(f"last pull:  {iso(state.last_pull_at) if state and state.last_pull_at else 'never'}")
    if state and state.backoff_until:
        print(f"back-off:   until {iso(state.backoff_until)}")
    if refused:
        remote_id, reason, _at = refused[0]
        print(
            f"refused:    {len(refused)} download{'s' if len(refused) != 1 else ''} "
            f"(latest: garmin-{remote_id}.fit: {reason})"
        )
    return EXIT_OK


def cmd_report(app: App, args: argparse.Namespace) -> int:
    from sync.report import write

    path = write(app, args.out)
    print(f"report written to {path}")
    return EXIT_OK


def cmd_status(app: App, args: argparse.Namespace) -> int:
    from sync.service import status

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
    return _fail(f"unhealthy: {age}", EXIT_FAILURE)


def cmd_db(app: App, args: argparse.Namespace) -> int:
    from sync.service import rebuild

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
    from sync.bootstrap import HOME_DIRS
    from sync.heartbeat import check_writable
    from sync.worker import (
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


_COMMANDS = {
    "ingest": cmd_ingest,
    "activities": cmd_activities,
    "analyze": cmd_analyze,
    "plan": cmd_plan,
    "garmin": cmd_garmin,
    "profile": cmd_profile,
    "push": cmd_push,
    "report": cmd_report,
    "readiness": cmd_readiness,
    "symptoms": cmd_symptoms,
    "status": cmd_status,
    "db": cmd_db,
    "worker": cmd_worker,
}


class Terminated(KeyboardInterrupt):
    """SIGTERM (a plain `kill`, a service manager stopping runback): ends a command as
    Ctrl-C does, closing what it opened (decoding processes, the database) on the way
    out, instead of the process simply vanishing."""


def _terminated(signum: int, frame: object) -> None:
    raise Terminated


def entry() -> NoReturn:
    """The `runback` console script: main() as a process started and ended quickly.

    Start-up allocates a great deal and frees little, so the cyclic collector waits until
    the app is up (see main()). At exit, what the process built is left to the operating
    system instead of being traversed once more by the collector, which was a fifth of a
    short call; everything is still closed and flushed as usual (open files, the log, the
    database): only cyclic garbage is not collected one last time.
    """
    gc.disable()
    signal.signal(signal.SIGTERM, _terminated)  # the worker puts its own in place
    code = main(own_process=True)
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry()
