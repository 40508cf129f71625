"""The journal commands of `runback`: profile, readiness, symptoms. Thin, like cli.py:
each imports its use cases when it runs (start-up time: a bad option is refused before
any of them, or the database, is imported)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rules.profile import ITEM_TASKS, READINESS_ITEMS
from sync.entrypoints.cli_common import EXIT_BAD_INPUT, EXIT_OK

if TYPE_CHECKING:
    from sync.bootstrap import App


def profile_parser(sub: Any, date_type: Callable[[str], Any]) -> None:
    profile = sub.add_parser("profile", help="her birth date, delivery and clearances")
    p_sub = profile.add_subparsers(
        dest="profile_command", metavar="ACTION", parser_class=type(profile)
    )
    p_sub.required = True
    p_set = p_sub.add_parser("set", help="set what is known (each option keeps the others)")
    p_set.add_argument(
        "--birth-date", type=date_type, metavar="D", help="the day the baby was born"
    )
    p_set.add_argument("--delivery", choices=("vaginal", "cesarean"))
    p_set.add_argument(
        "--cleared-on", type=date_type, metavar="D", help="a clinician cleared her to run on D"
    )
    p_show = p_sub.add_parser("show", help="weeks postpartum, clearance, readiness test")
    p_show.add_argument("--json", action="store_true")


def readiness_parser(sub: Any, date_type: Callable[[str], Any]) -> None:
    ready = sub.add_parser("readiness", help="the load-and-impact readiness test")
    r_sub = ready.add_subparsers(
        dest="readiness_command", metavar="ACTION", parser_class=type(ready)
    )
    r_sub.required = True
    r_log = r_sub.add_parser("log", help="record one sitting of the test")
    r_log.add_argument("--date", type=date_type, required=True, metavar="D")
    r_log.add_argument("--passed", metavar="ITEMS", help=f"{','.join(READINESS_ITEMS)} or all")
    r_log.add_argument("--failed", metavar="ITEMS")
    r_log.add_argument("--symptoms", metavar="LIST", help="leak,heaviness,pain during the test")


def symptoms_parser(sub: Any) -> None:
    symptoms = sub.add_parser("symptoms", help="how each run went: leaking, heaviness, pain...")
    s_sub = symptoms.add_subparsers(
        dest="symptoms_command", metavar="ACTION", parser_class=type(symptoms)
    )
    s_sub.required = True
    s_log = s_sub.add_parser("log", help="record how a run (or a day) went")
    which = s_log.add_mutually_exclusive_group()
    which.add_argument("--activity", metavar="ID", help="the run (default: the run of --date)")
    which.add_argument("--date", metavar="D", help="the day (default: today)")
    s_log.add_argument("--leak", required=True, metavar="none|drops|leak")
    s_log.add_argument("--leak-at", metavar="M:SS", help="the workout timer when leaking started")
    s_log.add_argument("--heaviness", metavar="0-10")
    s_log.add_argument("--pain", metavar="0-10")
    s_log.add_argument("--pain-next-day", action="store_true")
    s_log.add_argument("--bleeding", action="store_true")
    s_log.add_argument("--rpe", metavar="1-10", help="how hard it felt")
    s_log.add_argument("--fatigue", metavar="0-10")
    s_log.add_argument("--breathing", metavar="easy|ok|hard")
    s_log.add_argument("--fluid-ml", metavar="N", help="what she drank that day")
    s_log.add_argument("--slept-h", metavar="H", help="hours slept the night before")
    s_log.add_argument("--urgency", action="store_true", help="a sudden need to pass urine")
    s_log.add_argument("--bowel", metavar="leak|urgency", help="bowel (faecal) leaking or urgency")
    s_log.add_argument("--note", metavar="TEXT")
    s_import = s_sub.add_parser("import", help="entries from a CSV file (columns = option names)")
    s_import.add_argument("file", type=Path, metavar="FILE.csv")
    s_import.add_argument("--skip-bad", action="store_true", help="import the good rows")
    s_list = s_sub.add_parser("list", help="the entries, with the run interval of each leak")
    s_list.add_argument("--json", action="store_true")
    s_sub.add_parser("patterns", help="leaking against time of day, fluid, sleep, interval")


def cmd_profile(app: App, args: argparse.Namespace) -> int:
    from sync.usecases.journal import profile_view, set_profile

    if args.profile_command == "set":
        view = set_profile(
            app, birth_date=args.birth_date, delivery=args.delivery, cleared_on=args.cleared_on
        )
    else:
        view = profile_view(app)
    body = view.as_json()
    if getattr(args, "json", False):
        print(json.dumps(body, indent=2))
        return EXIT_OK
    weeks = body["weeks_postpartum"]
    print(f"birth date:   {body['birth_date'] or 'not set (runback profile set --birth-date D)'}")
    if weeks is not None:
        print(f"postpartum:   {weeks:.1f} weeks (on {app.today()})")
    print(f"delivery:     {body['delivery'] or 'not set'}")
    cleared = ", ".join(body["clearances"]) or "none recorded (runback profile set --cleared-on D)"
    print(f"clearances:   {cleared}")
    r = body["readiness"]
    if r["passed"]:
        print(f"readiness:    passed on {r['passed_on']}")
    else:
        print("readiness:    not passed yet; still to pass (all within 14 days, no symptoms):")
        for item in r["missing"]:
            print(f"  {item:11} {ITEM_TASKS[item]} ({r['items'][item]})")
    return EXIT_OK


def cmd_readiness(app: App, args: argparse.Namespace) -> int:
    from sync.usecases.journal import log_readiness

    result = log_readiness(app, args.date, args.passed, args.failed, args.symptoms)
    if result.passed:
        print(f"readiness test passed (on {result.passed_on})")
    else:
        print(f"recorded; still to pass: {', '.join(result.missing)}")
    return EXIT_OK


def cmd_symptoms(app: App, args: argparse.Namespace) -> int:
    action = args.symptoms_command
    if action == "log":
        return _log(app, args)
    if action == "import":
        return _import(app, args)
    if action == "list":
        return _list(app, args)
    from sync.usecases.insights import journal_patterns

    print("\n".join(journal_patterns(app).lines()))
    return EXIT_OK


def check_args(args: argparse.Namespace) -> None:
    """Refuse wrong options before settings and the database are opened (BadInput)."""
    if args.command == "symptoms" and args.symptoms_command == "log":
        from sync.usecases.journal_values import check_fields

        check_fields(_log_fields(args))


def _log(app: App, args: argparse.Namespace) -> int:
    from sync.usecases.journal import describe_leak, record_entry

    done = record_entry(app, _log_fields(args))
    what = "already recorded as entry" if done.duplicate else "recorded entry"
    run = f"run {done.activity.id}" if done.activity else "a day without a run"
    line = f"{what} {done.entry_id} for {done.entry.on} ({run})"
    leak = describe_leak(done.entry)
    line += f"; leaking from {leak}" if leak else ""
    if done.activity is not None:
        from sync.usecases.ingest import programme_start

        born = programme_start(app)
        if born is not None and done.activity.start.astimezone(app.settings.tz()).date() < born:
            line += f"; a run from before the birth ({born}): not part of the programme"
    print(line)
    return EXIT_OK


def _log_fields(args: argparse.Namespace) -> dict[str, str]:
    """The `symptoms log` options by their journal column names (given ones only)."""
    fields = {
        "activity": args.activity,
        "date": args.date,
        "leak": args.leak,
        "leak-at": args.leak_at,
        "heaviness": args.heaviness,
        "pain": args.pain,
        "pain-next-day": "yes" if args.pain_next_day else None,
        "bleeding": "yes" if args.bleeding else None,
        "rpe": args.rpe,
        "fatigue": args.fatigue,
        "breathing": args.breathing,
        "fluid-ml": args.fluid_ml,
        "slept-h": args.slept_h,
        "urgency": "yes" if args.urgency else None,
        "bowel": args.bowel,
        "note": args.note,
    }
    return {k: v for k, v in fields.items() if v is not None}


def _import(app: App, args: argparse.Namespace) -> int:
    from sync.usecases.journal_csv import import_csv

    report = import_csv(app, args.file, skip_bad=args.skip_bad)
    for problem in report.skipped:
        print(f"skipped {problem}", file=sys.stderr)
    print(
        f"imported {args.file.name}: {report.added} added, {report.already} already recorded, "
        f"{len(report.skipped)} skipped"
    )
    return EXIT_BAD_INPUT if report.skipped else EXIT_OK


def _list(app: App, args: argparse.Namespace) -> int:
    from sync.usecases.journal import describe_leak, entries_view, entry_json

    rows = entries_view(app)
    if args.json:
        print(json.dumps([entry_json(i, e, src) for i, e, src in rows], indent=2))
        return EXIT_OK
    if not rows:
        print("no entries yet: runback symptoms log --leak none|drops|leak ...")
        return EXIT_OK
    for entry_id, e, _ in rows:
        parts = [f"{entry_id:>4}  {e.on}  run {e.activity_id or '-':>4}  leak {e.leak:5}"]
        leak = describe_leak(e)
        if leak:
            parts.append(f"from {leak}")
        for label, value in (("heaviness", e.heaviness), ("pain", e.pain), ("rpe", e.rpe)):
            if value is not None:
                parts.append(f"{label} {value}")
        if e.bleeding:
            parts.append("bleeding")
        if e.pain_next_day:
            parts.append("pain next day")
        if e.urgency:
            parts.append("urgency")
        if e.bowel:
            parts.append(f"bowel {e.bowel}")
        print("  ".join(parts))
    return EXIT_OK
