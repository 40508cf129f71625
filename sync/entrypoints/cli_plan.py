"""The `runback` commands about what comes next: plan, push, garmin, report. Thin, like
cli.py: each imports its use cases when it runs
(start-up time: `--help` and a bad argument import none of them)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync.bootstrap import App
from sync.entrypoints.cli_common import EXIT_FAILURE, EXIT_OK
from sync.formatting import iso

MAX_WEEKS_AHEAD = 104


def weeks_ahead_arg(text: str) -> int:
    try:
        weeks = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of weeks") from None
    if not 1 <= weeks <= MAX_WEEKS_AHEAD:
        raise argparse.ArgumentTypeError(f"weeks must be 1-{MAX_WEEKS_AHEAD}, got {weeks}")
    return weeks


def cmd_plan(app: App, args: argparse.Namespace) -> int:
    from sync.errors import BadInput
    from sync.usecases.planning import ahead, decision_json, history, look, refresh

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

    from sync.usecases.push import push

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
    from sync.usecases import garmin_sync

    if args.garmin_command == "login":
        import getpass

        email = input("Garmin Connect email: ").strip()
        password = getpass.getpass("Password (not stored): ")
        garmin_sync.login(app, email, password, lambda: input("MFA code: ").strip())
        print(f"logged in; tokens saved to {garmin_sync.token_file(app)} (owner-only)")
        return EXIT_OK
    if args.garmin_command == "pull":
        from sync.entrypoints.progress import Progress

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
    from sync.usecases.report import write

    path = write(app, args.out)
    print(f"report written to {path}")
    return EXIT_OK
