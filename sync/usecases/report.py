"""`runback report`: one self-contained HTML page of her progress, readable on a phone.

Running minutes and level per week, the longest run interval and the leak onset over
time, run intervals done per week, every decision once with its reasons, the next
workout. Charts are inline SVG (sync/usecases/report_svg.py); the weekly list is plain HTML with
its dates and counts written out (nothing hides in a tooltip a phone cannot show). No
scripts, fonts, images or addresses outside the file: it opens from disk and sends
nothing anywhere. Runs from before the birth are counted, not drawn.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from rules.symptoms import SymptomEntry, merged
from rules.workout import parse
from sync.adapters.rawstore import write_private_atomic
from sync.adapters.store.decisions import StoredDecision
from sync.adapters.workout_names import summary
from sync.bootstrap import App
from sync.errors import BadInput, RunbackError
from sync.usecases.planning import gather
from sync.usecases.report_svg import COLORS, bar_chart, date_labels, day_label, points_chart

__all__ = ["COLORS", "build", "write"]
SHOWN_DECISIONS = 40


@dataclass(frozen=True)
class SessionRow:
    day: date
    run_s: int
    level: int | None
    longest_run_s: int
    runs_done: int | None
    runs_planned: int | None
    leak_into_run_s: int | None  # leaking started this far into a run interval


def build(app: App) -> str:
    """The report's HTML."""
    tz = app.settings.tz()
    with app.uow() as uow:
        inputs = gather(app, uow)
        ids = {s.activity_id for s in inputs.sessions}
        longest = {}
        for s in inputs.sessions:
            stored = uow.repo.match_of(s.activity_id)
            runs = [r.actual_s for r in stored.intervals if r.kind == "run"] if stored else []
            bouts = [b.duration_s for b in uow.repo.bouts(s.activity_id) if b.kind == "run"]
            longest[s.activity_id] = max(runs or bouts or [0])
        per_run: dict[int, list[SymptomEntry]] = defaultdict(list)
        for e in uow.repo.entries():
            run = e.entry.activity_id
            if run is not None and run in ids:
                per_run[run].append(e.entry)
        decisions = uow.repo.decisions()
        profile = inputs.profile
        old = sum(
            1
            for a in uow.repo.activities()
            if profile is not None and profile.before_birth(a.start.astimezone(tz).date())
        )
    leaks = {run: _onset_in_run(entries) for run, entries in per_run.items()}
    today = app.today()  # a look at a past day (--today) shows what was known then
    rows = [
        SessionRow(
            s.day,
            s.run_s,
            s.level,
            longest[s.activity_id],
            s.runs_done,
            s.runs_planned,
            leaks.get(s.activity_id),
        )
        for s in inputs.sessions
        if s.day <= today
    ]
    weeks: dict[date, list[SessionRow]] = defaultdict(list)
    for row in rows:
        weeks[date.fromisocalendar(*row.day.isocalendar()[:2], 1)].append(row)
    week_keys = sorted(weeks)
    decisions = [d for d in decisions if d.made_for <= today]
    latest = max(decisions, key=lambda d: (d.made_for, d.id)) if decisions else None
    leaked = [r for r in rows if r.leak_into_run_s is not None]
    parts = [
        _head(),
        "<h1>Back to running</h1>",
        _overview(rows, datetime.now(tz)),
        _old_runs(old, profile.birth_date if profile else None),
        _next_workout(latest),
        "<h2>Running per week</h2>",
        bar_chart(
            week_keys,
            [round(sum(r.run_s for r in weeks[w]) / 60, 1) for w in week_keys],
            [
                max((r.level for r in weeks[w] if r.level is not None), default=None)
                for w in week_keys
            ],
        ),
        "<p class=muted>Bars: minutes of running in the week (from Monday). "
        "<span class=lv>L5</span>: her level that week, written where it changed and "
        "there is room.</p>",
        "<h2>Longest run interval</h2>",
        points_chart(
            [r.day for r in rows if r.longest_run_s],
            [r.longest_run_s for r in rows if r.longest_run_s],
            "run",
            "no running yet",
            "longest run interval per session",
        ),
        "<h2>When leaking started</h2>",
        points_chart(
            [r.day for r in leaked],
            [r.leak_into_run_s or 0 for r in leaked],
            "leak",
            "no leaking recorded in a run interval",
            "leak onset per session",
        ),
        "<p class=muted>How far into the run interval leaking started, for each run "
        "with leaking. Higher is better: it started later. Lower means it started "
        "earlier.</p>"
        if leaked
        else "",
        "<h2>Run intervals done, by week</h2>",
        _weekly_done(week_keys, weeks),
        "<h2>Decisions and why</h2>",
        _decisions(decisions),
        "</main></body></html>",
    ]
    return "\n".join(part for part in parts if part)


def _onset_in_run(entries: Sequence[SymptomEntry]) -> int | None:
    """The run's leak onset into a run interval (the earliest, as merged); a leak placed
    in a walk step has none: it is no point on the run-interval chart."""
    point = merged(entries).leak_point
    if point is None or point.interval_kind != "run":
        return None
    return point.into_interval_s


def write(app: App, out: Path | None) -> Path:
    """Write the page to `out` (default RUNBACK_HOME/report.html); a path that cannot be
    written is refused (BadInput) naming it."""
    path = out or app.settings.home / "report.html"
    if out is not None and not path.parent.is_dir():
        raise BadInput(f"--out: the folder {path.parent} does not exist")
    if out is not None and path.is_dir():
        raise BadInput(f"--out: {path} is a folder; give a file name like report.html")
    page = build(app).encode()
    try:
        write_private_atomic(path, page)
    except OSError as exc:
        error = BadInput if out is not None else RunbackError
        raise error(f"cannot write the report to {path} ({exc.strerror or exc})") from None
    return path


def _head() -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        "<title>runback: progress</title><style>"
        "body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#333;background:#fff}"
        "main{max-width:720px;margin:0 auto;padding:12px}"
        "h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.1em;margin:1.4em 0 .3em}"
        "svg{width:100%;height:auto;display:block}.muted{color:#666;font-size:.9em}"
        ".lv{color:#c25e00;font-weight:600}"
        ".next{background:#f3f8fc;border-left:4px solid #1f77b4;padding:8px 12px}"
        "ul{padding-left:1.2em}li{margin:.3em 0}"
        "code{white-space:normal;word-break:break-word}"
        ".week{display:flex;align-items:center;gap:8px;margin:3px 0}"
        ".week .d{flex:0 0 6.8em}.week .n{flex:0 0 5.2em;text-align:right}"
        ".week .bar{flex:1;height:14px;background:#c7c7c7;position:relative}"
        ".week .bar i{position:absolute;left:0;top:0;bottom:0;background:#2ca02c}"
        "details{margin:.35em 0}summary{cursor:pointer}"
        ".why{color:#555;font-size:.92em;margin:.2em 0 .6em}"
        "</style></head><body><main>"
    )


def _overview(rows: list[SessionRow], made: datetime) -> str:
    if not rows:
        return f"<p class=muted>No sessions yet · made {made:%Y-%m-%d %H:%M}</p>"
    first, last = rows[0].day, rows[-1].day
    runs = f"{len(rows)} session{'s' if len(rows) != 1 else ''}"
    return (
        f"<p class=muted>{runs} from {day_label(first, True)} to {day_label(last, True)} "
        f"· made {made:%Y-%m-%d %H:%M}</p>"
    )


def _old_runs(count: int, born: date | None) -> str:
    if not count or born is None:
        return ""
    runs = f"{count} run{'s' if count != 1 else ''}"
    return (
        f"<p class=muted>{runs} from before the birth ({day_label(born, True)}) are kept "
        "but not shown: they are not part of the programme.</p>"
    )


def _next_workout(latest: StoredDecision | None) -> str:
    if latest is None:
        return "<p class=next>No decision yet: <code>runback plan</code>.</p>"
    body = latest.body
    workout = body.get("workout")
    spec = html.escape(workout["spec"]) if workout else "no workout"
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in body.get("reasons", []))
    on = date.fromisoformat(body["date"])
    return (
        f"<div class=next><b>Next: {on:%a} {day_label(on, True)}</b> · "
        f"{html.escape(body['phase'])} · level {body['level']}<br><code>{spec}</code>"
        f"<ul>{reasons}</ul></div>"
    )


def _weekly_done(week_keys: list[date], weeks: dict[date, list[SessionRow]]) -> str:
    planned_weeks = [w for w in week_keys if any(r.runs_planned for r in weeks[w])]
    if not planned_weeks:
        return "<p class=muted>no sessions with run intervals yet</p>"
    labels = dict(zip(planned_weeks, date_labels(planned_weeks), strict=True))
    out = ["<div class=weeks>"]
    for w in planned_weeks:
        planned = sum(r.runs_planned or 0 for r in weeks[w])
        done = sum(r.runs_done or 0 for r in weeks[w] if r.runs_planned)
        share = 100 * done / planned if planned else 0
        out.append(
            f"<div class=week><span class=d>{html.escape(labels[w])}</span>"
            f"<span class=bar><i style='width:{share:.0f}%'></i></span>"
            f"<span class=n>{done} of {planned}</span></div>"
        )
    out.append("</div>")
    return "".join(out)


def _decisions(decisions: list[StoredDecision]) -> str:
    """One line per session, newest first: the decision that stood for that date (one
    made again minutes later, once her entry came, replaces the one before; `runback plan
    --history` keeps them all)."""
    if not decisions:
        return "<p class=muted>none yet</p>"
    stood: dict[str, StoredDecision] = {}
    for d in sorted(decisions, key=lambda d: (d.made_for, d.id)):
        stood[d.body["date"]] = d
    distinct = [stood[day] for day in sorted(stood, reverse=True)]
    shown = distinct[:SHOWN_DECISIONS]
    days = [date.fromisoformat(d.body["date"]) for d in shown]
    # newest first: the year on the newest line, and where the year changes going back
    labels = [day_label(day, i == 0 or day.year != days[i - 1].year) for i, day in enumerate(days)]
    out = ["<div class=decisions>"]
    for d, on, shown_day in zip(shown, days, labels, strict=True):
        body = d.body
        workout = body.get("workout")
        what = html.escape(summary(parse(workout["spec"]))) if workout else "no workout"
        spec = html.escape(workout["spec"]) if workout else ""
        why = "".join(f"<li>{html.escape(r)}</li>" for r in body.get("reasons", []))
        out.append(
            f"<details><summary><b>{on:%a} {html.escape(shown_day)}</b> · "
            f"{html.escape(body['phase'])} L{body['level']} · {what}</summary>"
            f"<code>{spec}</code><ul class=why>{why}</ul></details>"
        )
    out.append("</div>")
    if len(distinct) > SHOWN_DECISIONS:
        out.append(
            f"<p class=muted>{len(distinct) - SHOWN_DECISIONS} earlier decisions: "
            "runback plan --history</p>"
        )
    return "".join(out)
