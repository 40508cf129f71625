"""Use case: what she did in each prescribed interval of one session (`runback analyze`).

Gathers the file and the plan (the --plan spec, else the workout recorded in the file),
lets rules decide, and shapes the result for JSON (DESIGN's analyze contract) and for a
person (a table and a one-line verdict).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rules.activity import Activity
from rules.bouts import detect
from rules.matching import match, verdict
from rules.plan import Plan, PlanTooLarge, plan_from_items, plan_from_recorded
from rules.results import IntervalResult, Match
from rules.workout import DEFAULT_LIMITS, PlanLimits, SpecError, parse
from sync.adapters.fitfile import read_activity
from sync.adapters.reading import read_file
from sync.errors import BadInput, FitFileError
from sync.formatting import clock, iso, km
from sync.settings import Settings
from sync.usecases.planning import prescribed_plan

if TYPE_CHECKING:
    from sync.bootstrap import App

PLAN_ORIGINS = {
    "option": "given with --plan",
    "file": "the workout recorded in the file",
    "prescribed": "the workout runback prescribed for that day",
}


@dataclass(frozen=True)
class Analysis:
    activity: Activity
    match: Match
    # Why the workout recorded in the file was not used (too big to expand), or None.
    ignored: str | None = None
    # The birth date, when the run is from before it (not part of the programme).
    before_birth: date | None = None


@dataclass(frozen=True)
class PlanChoice:
    plan: Plan | None
    ignored: str | None = None


def parse_plan(spec: str, limits: PlanLimits = DEFAULT_LIMITS) -> Plan:
    """A --plan spec as a plan; a spec that does not parse (or is too big) says why."""
    try:
        return plan_from_items(parse(spec, limits), "option")
    except SpecError as exc:
        raise BadInput(f"--plan: {exc}") from None


def choose_plan(
    activity: Activity,
    given: Plan | None,
    prescribed: Plan | None = None,
    limits: PlanLimits = DEFAULT_LIMITS,
) -> PlanChoice:
    """The plan to match: the one given, else the workout recorded in the file, else the
    workout runback prescribed for the session's date, else none (bouts only). A recorded
    workout beyond `limits` is ignored, and the choice says why."""
    if given is not None:
        return PlanChoice(given)
    ignored = None
    if activity.workout_steps:
        try:
            recorded = plan_from_recorded(activity.workout_steps, limits)
        except PlanTooLarge as exc:
            recorded, ignored = None, str(exc)
        if recorded is not None:
            return PlanChoice(recorded)
    return PlanChoice(prescribed, ignored)


def analyze_activity(activity: Activity, plan: Plan | None, settings: Settings) -> Match:
    track = detect(activity, settings.detection)
    return match(activity, plan, settings.detection, settings.matching, track=track)


def analyze_target(app: App, target: str, plan_spec: str | None) -> Analysis:
    """`runback analyze FILE|ACTIVITY_ID`: a file, or a stored activity by its id (from
    `runback activities`: archived files keep their own names). A file of that name wins."""
    path = Path(target)
    if target.isdigit() and not path.exists():
        return analyze_file(app, path, plan_spec, data=_stored_bytes(app, int(target)))
    return analyze_file(app, path, plan_spec)


MAX_ID = 2**31 - 1  # the store's ids are 32-bit integers


def _stored_bytes(app: App, activity_id: int) -> bytes:
    stored = None
    if activity_id <= MAX_ID:
        with app.uow() as uow:
            stored = uow.repo.activity(activity_id)
    if stored is None:
        raise BadInput(
            f"no activity {activity_id} (and no file of that name): see runback activities"
        )
    raw = app.raw.path_for(stored.sha256)
    try:
        return read_file(raw)
    except OSError as exc:
        raise BadInput(
            f"activity {activity_id}: its FIT file is missing from {app.settings.raw} "
            f"({exc.strerror or exc})"
        ) from None


def analyze_file(
    app: App, path: Path, plan_spec: str | None, data: bytes | None = None
) -> Analysis:
    """Read, detect and match one FIT file (or its bytes, when given); bad input raises
    BadInput with the reason."""
    settings = app.settings
    given = parse_plan(plan_spec, settings.plan_limits) if plan_spec is not None else None
    if data is None:
        data = _read(path)
    try:
        activity = read_activity(data, settings.tz())
    except FitFileError as exc:
        raise BadInput(f"{path}: {exc.reason}") from None
    if len(activity.columns) == 0:
        raise BadInput(f"{path}: no samples (the watch recorded no data points to analyse)")
    prescribed = None
    day = activity.start.astimezone(settings.tz()).date()
    with app.uow() as uow:
        profile = uow.repo.profile()
        born = profile.birth_date if profile is not None and profile.before_birth(day) else None
        if given is None and born is None:
            prescribed = prescribed_plan(uow, day)
    choice = choose_plan(activity, given, prescribed, settings.plan_limits)
    match = analyze_activity(activity, choice.plan, settings)
    return Analysis(activity, match, choice.ignored, born)


def _read(path: Path) -> bytes:
    try:
        return read_file(path)
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a folder; analyze takes one FIT file") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from None


# --- shapes ---------------------------------------------------------------------------


def as_json(analysis: Analysis) -> dict[str, Any]:
    """DESIGN's analyze contract, exactly."""
    act, m = analysis.activity, analysis.match
    return {
        "activity": {
            "start": iso(act.start),
            "sport": act.sport,
            "elapsed_s": round(act.elapsed_s, 1),
            "timer_s": round(act.timer_s, 1),
            "distance_m": None if act.distance_m is None else round(act.distance_m, 1),
        },
        "plan": m.plan.spec if m.plan else None,
        "bouts": [
            {"kind": b.kind, "start": iso(b.start), "end": iso(b.end), "duration_s": b.duration_s}
            for b in m.bouts
        ],
        "intervals": [interval_json(r) for r in m.intervals],
        "compliance": {
            "run_planned_s": m.compliance.run_planned_s,
            "run_actual_s": m.compliance.run_actual_s,
            "run_intervals_planned": m.compliance.run_intervals_planned,
            "run_intervals_done": m.compliance.run_intervals_done,
        },
    }


def interval_json(r: IntervalResult) -> dict[str, Any]:
    return {
        "index": r.index,
        "kind": r.kind,
        "planned_s": r.planned_s,
        "actual_s": r.actual_s,
        "status": r.status,
        "start": iso(r.start),
        "end": iso(r.end),
        "avg_heart_rate": r.avg_heart_rate,
        "avg_cadence_spm": r.avg_cadence_spm,
        "avg_speed_mps": r.avg_speed_mps,
    }


def as_text(analysis: Analysis, tz: tzinfo) -> list[str]:
    """A table a person reads, times in her zone, and the verdict last."""
    act, m = analysis.activity, analysis.match
    lines = [
        f"{act.start.astimezone(tz):%Y-%m-%d %H:%M}  {act.sport}  "
        f"{clock(act.timer_s)} on the timer  {km(act.distance_m)}"
    ]
    if analysis.before_birth is not None:
        lines.append(f"before the birth ({analysis.before_birth}): kept, not part of the programme")
    for repair in act.repairs:
        lines.append(f"repaired: {repair}")
    if analysis.ignored:
        lines.append(f"ignored: {analysis.ignored}")
    if m.plan is None:
        lines.append("plan: none (no --plan, no workout in the file): bouts only")
        lines.append(f"{'kind':5}  {'start':8}  {'time':>7}")
        for b in m.bouts:
            lines.append(f"{b.kind:5}  {b.start.astimezone(tz):%H:%M:%S}  {clock(b.duration_s):>7}")
    else:
        spec = m.plan.spec or "(untimed steps: no spec text)"
        how = "matched by laps" if m.path == "laps" else "matched by detected bouts"
        lines.append(f"plan: {spec} ({PLAN_ORIGINS.get(m.plan.source, m.plan.source)}; {how})")
        lines.append(
            f"{'#':>3}  {'step':4}  {'planned':>7}  {'done':>7}  {'status':6}  {'start':8}  "
            f"{'HR':>4}  {'spm':>4}  {'m/s':>5}"
        )
        for r in m.intervals:
            lines.append(
                f"{r.index:>3}  {r.kind:4}  "
                f"{'-' if r.planned_s is None else clock(r.planned_s):>7}  "
                f"{clock(r.actual_s):>7}  {r.status:6}  "
                f"{'-' if r.start is None else f'{r.start.astimezone(tz):%H:%M:%S}':8}  "
                f"{_num(r.avg_heart_rate, 0):>4}  {_num(r.avg_cadence_spm, 0):>4}  "
                f"{_num(r.avg_speed_mps, 2):>5}"
            )
    lines.append(verdict(m))
    return lines


def _num(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
