"""Patterns in her journal: leak rate and onset against time of day, fluid intake,
sleep and run-interval length. Honest with little data: under MIN_SESSIONS sessions it
says so instead of guessing, and a group with fewer than MIN_GROUP sessions is shown
but not compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rules.sessions import clock

MIN_SESSIONS = 6
MIN_GROUP = 2

# (factor, column, bin edges (left-closed), labels)
FACTORS: tuple[tuple[str, str, list[float], list[str]], ...] = (
    (
        "time of day",
        "hour",
        [0, 12, 17, 24],
        ["morning (before 12)", "afternoon (12-17)", "evening (17 on)"],
    ),
    (
        "fluid intake",
        "fluid_ml",
        [0, 1500, 2500, 100_000],
        ["under 1.5 l", "1.5-2.5 l", "2.5 l or more"],
    ),
    ("sleep the night before", "slept_h", [0, 6, 8, 24.01], ["under 6 h", "6-8 h", "8 h or more"]),
    (
        "run interval length",
        "run_interval_s",
        [0, 61, 181, 100_000],
        ["up to 1 min", "1-3 min", "over 3 min"],
    ),
)


@dataclass(frozen=True)
class SessionFacts:
    """One run with its journal entry, as the patterns need it."""

    hour: int  # local hour the run started
    leaked: bool
    onset_s: int | None  # seconds into the run interval when leaking started
    fluid_ml: int | None
    slept_h: float | None
    run_interval_s: int | None  # the longest run interval planned (or run) that session


@dataclass(frozen=True)
class Group:
    label: str
    sessions: int
    leak_rate: float | None  # None when the group is too small to compare
    median_onset_s: float | None


@dataclass(frozen=True)
class Factor:
    name: str
    groups: tuple[Group, ...]
    known: int  # sessions where this factor was recorded


@dataclass(frozen=True)
class Patterns:
    sessions: int
    leak_rate: float | None
    factors: tuple[Factor, ...]
    enough: bool

    def lines(self) -> list[str]:
        """The report as a person reads it."""
        if not self.enough:
            noun = "session" if self.sessions == 1 else "sessions"
            return [
                f"{self.sessions} {noun} with a journal entry: too few to say "
                f"(patterns need at least {MIN_SESSIONS})"
            ]
        out = [f"{_n(self.sessions)}; leaking in {_pct(self.leak_rate)} of them"]
        for factor in self.factors:
            out.append(f"{factor.name} ({_n(factor.known)} recorded it):")
            if factor.known < MIN_SESSIONS:
                out.append("  too few to say")
                continue
            for g in factor.groups:
                if g.sessions == 0:
                    continue
                count = f"{g.sessions:>3} {'session ' if g.sessions == 1 else 'sessions'}"
                if g.leak_rate is None:
                    out.append(f"  {g.label:22} {count}  too few to compare")
                    continue
                onset = (
                    f", leaking from {clock(round(g.median_onset_s))} into the run interval"
                    " (median)"
                    if g.median_onset_s is not None
                    else ""
                )
                out.append(f"  {g.label:22} {count}  leaked in {_pct(g.leak_rate)}{onset}")
        return out


def _n(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'}"


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{100 * rate:.0f} %"


def patterns(sessions: Sequence[SessionFacts]) -> Patterns:
    """Leak rate and onset by group, for each factor."""
    import pandas as pd  # here, not at import: pandas drags in subprocess and urllib

    frame = pd.DataFrame(
        [
            {
                "hour": s.hour,
                "leaked": s.leaked,
                "onset_s": s.onset_s,
                "fluid_ml": s.fluid_ml,
                "slept_h": s.slept_h,
                "run_interval_s": s.run_interval_s,
            }
            for s in sessions
        ],
        columns=["hour", "leaked", "onset_s", "fluid_ml", "slept_h", "run_interval_s"],
    ).astype(
        {
            "hour": "float64",
            "leaked": "bool",
            "onset_s": "float64",
            "fluid_ml": "float64",
            "slept_h": "float64",
            "run_interval_s": "float64",
        }
    )
    n = len(frame)
    enough = n >= MIN_SESSIONS
    rate = float(frame["leaked"].mean()) if n else None
    factors = []
    for name, column, edges, labels in FACTORS:
        known = frame.dropna(subset=[column])
        binned = pd.cut(known[column], bins=edges, labels=labels, right=False)
        groups = []
        for label in labels:
            part = known[binned == label]
            size = len(part)
            comparable = size >= MIN_GROUP
            onset = part.loc[part["leaked"], "onset_s"].dropna()
            groups.append(
                Group(
                    label=label,
                    sessions=size,
                    leak_rate=float(part["leaked"].mean()) if comparable else None,
                    median_onset_s=float(onset.median()) if comparable and len(onset) else None,
                )
            )
        factors.append(Factor(name, tuple(groups), len(known)))
    return Patterns(n, rate, tuple(factors), enough)
