"""`runback report`: one self-contained HTML page of her progress, readable on a phone.

Running minutes and level per week, the longest run interval and the leak onset over
time, compliance per session, the decisions with their reasons, the next workout. Charts
are inline SVG drawn here (no scripts, no fonts, no images, no addresses outside the
file): the page opens from disk and sends nothing anywhere.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sync.bootstrap import App
from sync.errors import BadInput, RunbackError
from sync.formatting import clock
from sync.planning import gather
from sync.rawstore import write_private_atomic
from sync.store.decisions import StoredDecision

COLORS = {"run": "#1f77b4", "level": "#ff7f0e", "leak": "#d62728", "done": "#2ca02c",
          "missed": "#c7c7c7", "grid": "#e5e5e5", "text": "#333333"}  # fmt: skip
W, H, PAD = 600, 240, 48


@dataclass(frozen=True)
class SessionRow:
    day: date
    run_s: int
    level: int | None
    longest_run_s: int
    runs_done: int | None
    runs_planned: int | None
    leak_into_s: int | None


def build(app: App) -> str:
    """The report's HTML."""
    tz = app.settings.tz()
    with app.uow() as uow:
        inputs = gather(app, uow)
        longest = {}
        for s in inputs.sessions:
            stored = uow.repo.match_of(s.activity_id)
            runs = [r.actual_s for r in stored.intervals if r.kind == "run"] if stored else []
            bouts = [b.duration_s for b in uow.repo.bouts(s.activity_id) if b.kind == "run"]
            longest[s.activity_id] = max(runs or bouts or [0])
        leaks = {
            e.entry.activity_id: e.entry.leak_point.into_interval_s
            for e in uow.repo.entries()
            if e.entry.activity_id is not None and e.entry.leak_point is not None
        }
        decisions = uow.repo.decisions()
        profile = inputs.profile
        old = sum(
            1
            for a in uow.repo.activities()
            if profile is not None and profile.before_birth(a.start.astimezone(tz).date())
        )
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
    ]
    weeks: dict[date, list[SessionRow]] = defaultdict(list)
    for row in rows:
        monday = date.fromisocalendar(*row.day.isocalendar()[:2], 1)
        weeks[monday].append(row)
    week_keys = sorted(weeks)
    today = app.today()
    in_force = [d for d in decisions if d.made_for <= today]
    latest = max(in_force, key=lambda d: (d.made_for, d.id)) if in_force else None
    parts = [
        _head(),
        "<h1>Back to running</h1>",
        f"<p class=muted>{len(rows)} sessions · made {datetime.now(tz):%Y-%m-%d %H:%M}</p>",
        _old_runs(old, inputs.profile.birth_date if inputs.profile else None),
        _next_workout(latest),
        "<h2>Running per week</h2>",
        bar_chart(
            [round(sum(r.run_s for r in weeks[w]) / 60, 1) for w in week_keys],
            [f"{w:%d %b}" for w in week_keys],
            COLORS["run"],
            "min",
            [
                max((r.level for r in weeks[w] if r.level is not None), default=None)
                for w in week_keys
            ],
        ),
        "<h2>Longest run interval</h2>",
        points_chart([r.day for r in rows], [r.longest_run_s for r in rows], COLORS["run"], "s"),
        "<h2>Leak onset (seconds into the run interval)</h2>",
        points_chart(
            [r.day for r in rows if r.leak_into_s is not None],
            [r.leak_into_s or 0 for r in rows if r.leak_into_s is not None],
            COLORS["leak"],
            "s",
            empty="no leaks recorded in a run interval",
        ),
        "<h2>Run intervals done per session</h2>",
        compliance_chart(rows),
        "<h2>Decisions and why</h2>",
        _decisions(decisions),
        "</main></body></html>",
    ]
    return "\n".join(parts)


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
        "svg{width:100%;height:auto;display:block}.muted{color:#777;font-size:.9em}"
        ".next{background:#f3f8fc;border-left:4px solid #1f77b4;padding:8px 12px}"
        "ul{padding-left:1.2em}li{margin:.3em 0}.decision{margin:.8em 0}"
        "code{white-space:normal;word-break:break-word}"
        "</style></head><body><main>"
    )


def _old_runs(count: int, born: date | None) -> str:
    if not count or born is None:
        return ""
    runs = f"{count} run{'s' if count != 1 else ''}"
    return (
        f"<p class=muted>{runs} from before the birth ({born:%d %b %Y}) are kept but not "
        "shown: they are not part of the programme.</p>"
    )


def _next_workout(latest: StoredDecision | None) -> str:
    if latest is None:
        return "<p class=next>No decision yet: <code>runback plan</code>.</p>"
    body = latest.body
    workout = body.get("workout")
    spec = html.escape(workout["spec"]) if workout else "no workout"
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in body.get("reasons", []))
    return (
        f"<div class=next><b>Next: {html.escape(body['date'])}</b> · {html.escape(body['phase'])}"
        f" · level {body['level']}<br><code>{spec}</code><ul>{reasons}</ul></div>"
    )


def _decisions(decisions: list[StoredDecision]) -> str:
    if not decisions:
        return "<p class=muted>none yet</p>"
    out = []
    for d in reversed(decisions[-30:]):
        body = d.body
        spec = body["workout"]["spec"] if body.get("workout") else "no workout"
        reasons = "".join(f"<li>{html.escape(r)}</li>" for r in body.get("reasons", []))
        out.append(
            f"<div class=decision><b>{html.escape(body['date'])}</b> · "
            f"{html.escape(body['phase'])} L{body['level']} · <code>{html.escape(spec)}</code>"
            f"<ul>{reasons}</ul></div>"
        )
    return "\n".join(out)


# --- charts ---------------------------------------------------------------------------------------


def _frame(max_y: float, unit: str) -> list[str]:
    parts = []
    for i in range(5):
        y = H - PAD - i * (H - 2 * PAD) / 4
        value = max_y * i / 4
        parts.append(
            f"<line x1={PAD} y1={y:.1f} x2={W - 8} y2={y:.1f} stroke='{COLORS['grid']}'/>"
            f"<text x={PAD - 4} y={y + 4:.1f} font-size=18 text-anchor=end "
            f"fill='{COLORS['text']}'>{value:.0f}</text>"
        )
    parts.append(f"<text x=4 y=14 font-size=18 fill='{COLORS['text']}'>{html.escape(unit)}</text>")
    return parts


def _svg(parts: list[str], label: str) -> str:
    inner = "".join(parts)
    return (
        f"<svg viewBox='0 0 {W} {H}' role=img aria-label='{html.escape(label)}' "
        f"class=chart>{inner}</svg>"
    )


def bar_chart(
    values: list[float], labels: list[str], color: str, unit: str, levels: list[int | None]
) -> str:
    if not values:
        return "<p class=muted>no runs yet</p>"
    top = max(max(values), 1.0)
    span = (W - PAD - 8) / len(values)
    parts = _frame(top, unit)
    for i, (value, label, level) in enumerate(zip(values, labels, levels, strict=True)):
        height = (H - 2 * PAD) * value / top
        x = PAD + i * span + span * 0.15
        y = H - PAD - height
        parts.append(
            f"<rect x={x:.1f} y={y:.1f} width={span * 0.7:.1f} height={max(height, 0.5):.1f} "
            f"fill='{color}'><title>{html.escape(label)}: {value} {unit}</title></rect>"
            f"<text x={x + span * 0.35:.1f} y={H - PAD + 14} font-size=17 text-anchor=middle "
            f"fill='{COLORS['text']}'>{html.escape(label)}</text>"
        )
        if level is not None:
            parts.append(
                f"<text x={x + span * 0.35:.1f} y={y - 4:.1f} font-size=17 text-anchor=middle "
                f"fill='{COLORS['level']}'>L{level}</text>"
            )
    return _svg(parts, f"running {unit} per week")


def points_chart(
    days: list[date], values: list[int], color: str, unit: str, empty: str = "no sessions yet"
) -> str:
    if not days:
        return f"<p class=muted>{html.escape(empty)}</p>"
    top = max(max(values), 1)
    first, last = min(days), max(days)
    width = max((last - first).days, 1)
    parts = _frame(top, unit)
    points = []
    for day, value in zip(days, values, strict=True):
        x = PAD + (W - PAD - 16) * (day - first).days / width + 4
        y = H - PAD - (H - 2 * PAD) * value / top
        points.append((x, y))
        parts.append(
            f"<circle cx={x:.1f} cy={y:.1f} r=6 fill='{color}'>"
            f"<title>{day}: {clock(value)}</title></circle>"
        )
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts.append(f"<polyline points='{line}' fill=none stroke='{color}' stroke-width=1.5/>")
    parts.append(
        f"<text x={PAD} y={H - PAD + 14} font-size=17 fill='{COLORS['text']}'>{first:%d %b}</text>"
        f"<text x={W - 8} y={H - PAD + 14} font-size=17 text-anchor=end "
        f"fill='{COLORS['text']}'>{last:%d %b}</text>"
    )
    return _svg(parts, f"{unit} over time")


def compliance_chart(rows: list[SessionRow]) -> str:
    planned = [r for r in rows if r.runs_planned]
    if not planned:
        return "<p class=muted>no sessions with run intervals yet</p>"
    top = max(r.runs_planned or 0 for r in planned)
    span = (W - PAD - 8) / len(planned)
    parts = _frame(top, "intervals")
    for i, r in enumerate(planned):
        x = PAD + i * span + span * 0.15
        total_h = (H - 2 * PAD) * (r.runs_planned or 0) / top
        done_h = (H - 2 * PAD) * (r.runs_done or 0) / top
        parts.append(
            f"<rect x={x:.1f} y={H - PAD - total_h:.1f} width={span * 0.7:.1f} "
            f"height={total_h:.1f} fill='{COLORS['missed']}'/>"
            f"<rect x={x:.1f} y={H - PAD - done_h:.1f} width={span * 0.7:.1f} "
            f"height={max(done_h, 0.5):.1f} fill='{COLORS['done']}'>"
            f"<title>{r.day}: {r.runs_done} of {r.runs_planned}</title></rect>"
        )
    return _svg(parts, "run intervals done per session")
