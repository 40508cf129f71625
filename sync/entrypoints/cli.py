"""The `runback` command: its options, and main(), which runs one command (they live in
cli_runs, cli_plan and cli_journal). Thin: parse options, call the use cases, print.

Start-up time is what she waits on after every run: this module imports the commands'
modules, which import their use cases only when they run; `--help` and a bad argument
answer before settings, SQLAlchemy or the database are imported (a test checks it).

Exit codes: 0 success, 2 bad input, 1 anything else, 130 Ctrl-C, 143 SIGTERM. An error
is one line on stderr; tracebacks go to the log file only.
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from sync.adapters.decodepool import RawDecoding
    from sync.settings import Settings

from sync.dates import out_of_range
from sync.entrypoints.cli_common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_TERMINATED,
    fail,
    known_fault,
)
from sync.entrypoints.cli_journal import (
    check_args,
    cmd_profile,
    cmd_readiness,
    cmd_symptoms,
    profile_parser,
    readiness_parser,
    symptoms_parser,
)
from sync.entrypoints.cli_plan import (
    cmd_garmin,
    cmd_plan,
    cmd_push,
    cmd_report,
    weeks_ahead_arg,
)
from sync.entrypoints.cli_runs import (
    JOBS_HELP,
    cmd_activities,
    cmd_analyze,
    cmd_db,
    cmd_ingest,
    cmd_status,
    cmd_worker,
    jobs_arg,
)
from sync.errors import BadInput, RunbackError, first_line, private_exc_info


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see 'runback --help')")


def _date(text: str) -> date:
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
    ingest.add_argument("--jobs", type=jobs_arg, metavar="N", help=JOBS_HELP)


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
        type=weeks_ahead_arg,
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
    rebuild.add_argument("--jobs", type=jobs_arg, metavar="N", help=JOBS_HELP)


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
        return fail(str(exc), EXIT_BAD_INPUT)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)

    try:
        check_args(args)  # wrong options answer before settings and the database open
    except BadInput as exc:
        return fail(str(exc), EXIT_BAD_INPUT)

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
        return fail(str(exc), EXIT_BAD_INPUT)
    except RunbackError as exc:
        return fail(str(exc), EXIT_FAILURE)
    except Terminated:
        return fail("stopped (SIGTERM)", EXIT_TERMINATED)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:
        return EXIT_FAILURE
    except Exception as exc:  # last resort: one line for her, the traceback for the log
        if (fault := known_fault(exc)) is not None:
            return fail(fault, EXIT_FAILURE)
        import logging

        log = logging.getLogger("runback")
        if not log.hasHandlers():  # before the log is open: Python would print the trace
            return fail(f"internal error: {type(exc).__name__}: {first_line(exc)}", EXIT_FAILURE)
        log.error("internal error", exc_info=private_exc_info(exc))
        return fail(
            f"internal error: {type(exc).__name__}: {first_line(exc)} (details in the log)",
            EXIT_FAILURE,
        )
    finally:
        if own_process:
            # The exit code is decided: Ctrl-C or SIGTERM from here on (closing the
            # database, the interpreter's exit) would only print a traceback over it.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if early is not None:  # interrupted or failed: its processes are not waited for
            early.close(abandon=code is None)
        if app is not None:
            app.close()


def _start_early(args: argparse.Namespace, settings: Settings) -> RawDecoding | None:
    """What a command starts before the database opens: `db rebuild`'s decoding, whose
    processes take the first files while this one imports SQLAlchemy and migrates."""
    if args.command != "db":
        return None
    from sync.adapters.decodepool import RawDecoding
    from sync.adapters.rawstore import RawStore

    return RawDecoding(RawStore(settings.raw), settings.tz(), args.jobs)


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
