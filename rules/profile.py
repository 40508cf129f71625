"""The runner's profile and the return-to-running readiness test.

The readiness test is the guidance's load-and-impact assessment (Goom, Donnelly &
Brockwell 2019): seven tasks done without pain, heaviness or leaking. It is passed once
all seven have passed, symptom-free, in logs no more than 14 days apart, and it stays
passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

DELIVERIES = ("vaginal", "cesarean")
READINESS_ITEMS = ("walk", "balance", "squat", "jog", "hop", "heel-raise", "bound")
STRENGTH_ITEMS = ("calf-raise", "bridge", "sit-to-stand", "leg-lift")
READINESS_SYMPTOMS = ("leak", "heaviness", "pain")
# What each item asks, as the guidance words it (shown by `profile show`).
ITEM_TASKS = {
    "walk": "walk 30 minutes",
    "balance": "single-leg balance 10 s, each leg",
    "squat": "single-leg squat x10, each leg",
    "jog": "jog on the spot 1 minute",
    "hop": "single-leg hop in place x10, each leg",
    "heel-raise": "single-leg heel raise x20, each leg",
    "bound": "forward bound x10, each leg",
    "calf-raise": "single-leg calf raise x20, each leg",
    "bridge": "single-leg bridge x20, each leg",
    "sit-to-stand": "single-leg sit to stand x20, each leg",
    "leg-lift": "side-lying leg lift x20, each leg",
}
READINESS_WINDOW_DAYS = 14


@dataclass(frozen=True)
class Profile:
    """`birth_date` is the day the baby was born; `clearances` are the dates a clinician
    cleared her to return to running, oldest first (a later red flag needs a new one)."""

    birth_date: date | None = None
    delivery: str | None = None
    clearances: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        if self.delivery is not None and self.delivery not in DELIVERIES:
            raise ValueError(f"Profile.delivery must be vaginal or cesarean, got {self.delivery!r}")
        object.__setattr__(self, "clearances", tuple(sorted(set(self.clearances))))

    def weeks_postpartum(self, today: date) -> float | None:
        if self.birth_date is None:
            return None
        return (today - self.birth_date).days / 7

    def before_birth(self, day: date) -> bool:
        """A day before the baby was born: outside the programme (runs from her watch's
        history are kept, but nothing is decided from them)."""
        return self.birth_date is not None and day < self.birth_date

    def latest_clearance(self, on_or_before: date | None = None) -> date | None:
        dates = [d for d in self.clearances if on_or_before is None or d <= on_or_before]
        return dates[-1] if dates else None


@dataclass(frozen=True)
class ReadinessLog:
    """One sitting of the readiness test. Symptoms during a sitting void its passes."""

    on: date
    passed: frozenset[str] = field(default_factory=frozenset)
    failed: frozenset[str] = field(default_factory=frozenset)
    symptoms: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        known = set(READINESS_ITEMS) | set(STRENGTH_ITEMS)
        for name in ("passed", "failed"):
            unknown = set(getattr(self, name)) - known
            if unknown:
                raise ValueError(f"ReadinessLog.{name}: unknown items {sorted(unknown)}")
        both = set(self.passed) & set(self.failed)
        if both:
            raise ValueError(f"an item cannot be both passed and failed: {sorted(both)}")
        if not self.passed and not self.failed:
            raise ValueError("a readiness log needs at least one passed or failed item")
        unknown = set(self.symptoms) - set(READINESS_SYMPTOMS)
        if unknown:
            raise ValueError(f"ReadinessLog.symptoms: unknown {sorted(unknown)}")


@dataclass(frozen=True)
class Readiness:
    passed: bool
    passed_on: date | None
    # Each of the seven items: "passed", "failed" or "not done" in the 14-day window that
    # passed the test, or else the one ending at the latest sitting.
    items: dict[str, str]
    # The optional strength items as last recorded.
    strength: dict[str, str]

    @property
    def missing(self) -> list[str]:
        return [item for item, state in self.items.items() if state != "passed"]


def readiness(logs: Iterable[ReadinessLog]) -> Readiness:
    """Where the readiness test stands after these logs (in any order)."""
    ordered = sorted(logs, key=lambda log: log.on)
    strength: dict[str, str] = {}
    for log in ordered:
        strength.update(_results(log, STRENGTH_ITEMS))
    current: dict[str, str] = dict.fromkeys(READINESS_ITEMS, "not done")
    for end in ordered:
        window = [
            log
            for log in ordered
            if end.on - timedelta(days=READINESS_WINDOW_DAYS) <= log.on <= end.on
        ]
        current = _window_items(window)
        if all(state == "passed" for state in current.values()):
            return Readiness(True, end.on, current, strength)
    # Not passed: report the window ending at her latest sitting, which is what she can
    # still complete.
    return Readiness(False, None, current, strength)


def _results(log: ReadinessLog, names: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in names:
        if item in log.passed:
            out[item] = "failed" if log.symptoms else "passed"
        elif item in log.failed:
            out[item] = "failed"
    return out


def _window_items(window: Sequence[ReadinessLog]) -> dict[str, str]:
    """Each item's latest result within the window (a sitting with symptoms fails it)."""
    items = dict.fromkeys(READINESS_ITEMS, "not done")
    for log in window:
        items.update(_results(log, READINESS_ITEMS))
    return items


def parse_items(text: str) -> frozenset[str]:
    """'hop,bound' or 'all' (the seven) -> item names; unknown names raise ValueError."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        raise ValueError("no items given")
    out: set[str] = set()
    known = set(READINESS_ITEMS) | set(STRENGTH_ITEMS)
    for name in names:
        if name == "all":
            out |= set(READINESS_ITEMS)
        elif name in known:
            out.add(name)
        else:
            raise ValueError(
                f"unknown item '{name}' (the seven: {','.join(READINESS_ITEMS)}; "
                f"strength: {','.join(STRENGTH_ITEMS)}; or all)"
            )
    return frozenset(out)
