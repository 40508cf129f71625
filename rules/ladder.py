"""The level ladder and the progression thresholds (config/rules.toml), checked when built.

Levels grow with difficulty: the walking levels first (0 up), then the run/walk levels,
then continuous running, whose run time grows by at most `weekly_increase` per level
toward `goal_run_s`. Safety values have bounds in code that configuration cannot pass:
the 12-week floor, the leak-cap fraction and floor, the rest days, the weekly increase.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from rules.symptoms import SymptomThresholds
from rules.workout import Item, Step, flatten, format_duration, format_spec, parse, totals

PHASE_WALK, PHASE_RUN_WALK, PHASE_CONTINUOUS = "walk", "run-walk", "continuous"
# "continuous" names only a workout with at least this much running straight.
CONTINUOUS_FROM_S = 900

DEFAULT_WALK = ("walk 20m", "walk 25m", "walk 30m")
# One variable at a time: the running grows to 15 minutes in short intervals, then the
# intervals lengthen with the running held at 15 minutes, to 15 minutes straight. Neither
# the running nor the longest interval ever shrinks from one level to the next, so one
# level down is never harder.
DEFAULT_RUN_WALK = (
    "walk 5m, 5x(run 30s, walk 4m30s), walk 5m",
    "walk 5m, 5x(run 1m, walk 4m), walk 5m",
    "walk 5m, 5x(run 2m, walk 3m), walk 5m",
    "walk 5m, 5x(run 3m, walk 2m), walk 5m",
    "walk 5m, 3x(run 5m, walk 2m), walk 5m",
    "walk 5m, 2x(run 7m30s, walk 2m), walk 5m",
    "walk 5m, run 10m, walk 2m, run 5m, walk 5m",
    "walk 5m, run 15m, walk 5m",
)


@dataclass(frozen=True)
class Level:
    number: int
    phase: str
    spec: str

    @cached_property
    def items(self) -> tuple[Item, ...]:
        return parse(self.spec)

    @property
    def longest_run_s(self) -> int:
        return totals(self.items).longest_run_s

    @property
    def run_s(self) -> int:
        return totals(self.items).run_s


@dataclass(frozen=True)
class RulesConfig:
    """Everything `decide` may be told. Each field names a key of config/rules.toml."""

    walk_levels: tuple[str, ...] = DEFAULT_WALK
    run_walk_levels: tuple[str, ...] = DEFAULT_RUN_WALK
    goal_run_s: int = 1800
    weekly_increase: float = 0.10
    warmup_walk_s: int = 300
    cooldown_walk_s: int = 300
    pause_walk: str = "walk 15m"
    min_weeks_postpartum: int = 12
    sessions_per_level: int = 2
    days_per_level: int = 7
    leak_cap_fraction: float = 0.8
    leak_cap_floor_s: int = 15
    leak_cap_lift_sessions: int = 2
    leak_cap_step_s: int = 15
    leak_cap_step_fraction: float = 0.10
    leak_cap_clear_runs: int = 6
    capped_walk_s: int = 120
    capped_session_max_s: int = 2400
    break_days: int = 14
    refer_after_runs: int = 3
    refer_window_runs: int = 5
    refer_leak_weeks: int = 4
    rest_days: int = 1
    preferred_days: tuple[str, ...] = ()
    symptoms: SymptomThresholds = field(default_factory=SymptomThresholds)

    def __post_init__(self) -> None:
        object.__setattr__(self, "walk_levels", tuple(self.walk_levels))
        object.__setattr__(self, "run_walk_levels", tuple(self.run_walk_levels))
        object.__setattr__(self, "preferred_days", tuple(d.lower() for d in self.preferred_days))
        # Safety bounds: stricter is allowed, looser is refused.
        if self.min_weeks_postpartum < 12:
            raise ValueError(
                f"min_weeks_postpartum may not be below 12 (the guidance's floor), "
                f"got {self.min_weeks_postpartum}"
            )
        if not 0.1 <= self.leak_cap_fraction <= 0.8:
            raise ValueError(
                f"leak_cap_fraction may be 0.1..0.8 (stricter only), got {self.leak_cap_fraction}"
            )
        if not 15 <= self.leak_cap_floor_s <= 600:
            raise ValueError(
                f"leak_cap_floor_s may be 15..600 (stricter only), got {self.leak_cap_floor_s}"
            )
        if not 1 <= self.rest_days <= 6:
            raise ValueError(f"rest_days may be 1..6 (at least one), got {self.rest_days}")
        if not 0.0 < self.weekly_increase <= 0.10:
            raise ValueError(
                f"weekly_increase may be up to 0.10 (10 % a week), got {self.weekly_increase}"
            )
        if not 7 <= self.days_per_level <= 60:
            raise ValueError(
                f"days_per_level may be 7..60 (stricter only), got {self.days_per_level}"
            )
        if not 1 <= self.sessions_per_level <= 10:
            raise ValueError(f"sessions_per_level must be 1..10, got {self.sessions_per_level}")
        if not 1 <= self.leak_cap_lift_sessions <= 10:
            raise ValueError(
                f"leak_cap_lift_sessions must be 1..10, got {self.leak_cap_lift_sessions}"
            )
        if not 5 <= self.leak_cap_step_s <= 30:
            raise ValueError(
                f"leak_cap_step_s may be 5..30 (small steps), got {self.leak_cap_step_s}"
            )
        if not 0.0 <= self.leak_cap_step_fraction <= 0.10:
            raise ValueError(
                f"leak_cap_step_fraction may be 0..0.10 (small steps), "
                f"got {self.leak_cap_step_fraction}"
            )
        if not 4 <= self.leak_cap_clear_runs <= 30:
            raise ValueError(
                f"leak_cap_clear_runs may be 4..30 (stricter only), got {self.leak_cap_clear_runs}"
            )
        if not 60 <= self.capped_walk_s <= 600:
            raise ValueError(f"capped_walk_s must be 60..600, got {self.capped_walk_s}")
        if not 1200 <= self.capped_session_max_s <= 3600:
            raise ValueError(
                f"capped_session_max_s must be 1200..3600, got {self.capped_session_max_s}"
            )
        if not 7 <= self.break_days <= 14:
            raise ValueError(f"break_days may be 7..14 (stricter only), got {self.break_days}")
        if not 1 <= self.refer_after_runs <= 3:
            raise ValueError(
                f"refer_after_runs may be 1..3 (stricter only), got {self.refer_after_runs}"
            )
        if not max(5, self.refer_after_runs) <= self.refer_window_runs <= 20:
            raise ValueError(
                f"refer_window_runs may be 5..20 (stricter only), got {self.refer_window_runs}"
            )
        if not 1 <= self.refer_leak_weeks <= 4:
            raise ValueError(
                f"refer_leak_weeks may be 1..4 (stricter only), got {self.refer_leak_weeks}"
            )
        if not 60 <= self.goal_run_s <= 4 * 3600:
            raise ValueError(f"goal_run_s must be 60..14400, got {self.goal_run_s}")
        bad = [d for d in self.preferred_days if d not in WEEKDAYS]
        if bad:
            raise ValueError(f"preferred_days: unknown day '{bad[0]}' (use {', '.join(WEEKDAYS)})")
        self._check_ladder()

    def _check_ladder(self) -> None:
        if not self.walk_levels or not self.run_walk_levels:
            raise ValueError("walk_levels and run_walk_levels must each name at least one level")
        for key, specs in (
            ("walk_levels", self.walk_levels),
            ("run_walk_levels", self.run_walk_levels),
        ):
            for i, spec in enumerate(specs):
                try:
                    items = parse(spec)
                except ValueError as exc:
                    raise ValueError(f"{key}[{i}]: {exc}") from None
                runs = [s for s in flatten(items) if s.kind == "run"]
                if key == "walk_levels" and runs:
                    raise ValueError(f"{key}[{i}]: a walking level cannot hold a run ('{spec}')")
                if key == "run_walk_levels" and not runs:
                    raise ValueError(f"{key}[{i}]: a run/walk level needs a run ('{spec}')")
        longest = [totals(parse(s)).longest_run_s for s in self.run_walk_levels]
        if longest != sorted(longest):
            raise ValueError(
                "run_walk_levels must not shorten the longest run from one level to the next"
            )
        running = [totals(parse(s)).run_s for s in self.run_walk_levels]
        if running != sorted(running):
            raise ValueError(
                "run_walk_levels must not reduce the running from one level to the next "
                "(one level down must never be harder)"
            )
        if longest[-1] < CONTINUOUS_FROM_S:
            raise ValueError(
                "run_walk_levels must end with 15 minutes of running straight (the seed "
                f"guide's aim before continuous running), got {format_duration(longest[-1])}"
            )
        last_run_walk = totals(parse(self.run_walk_levels[-1])).run_s
        if last_run_walk > longest[-1] and self.goal_run_s > longest[-1]:
            raise ValueError(
                "the last run/walk level must be one run (continuous running grows from it)"
            )
        try:
            pause = parse(self.pause_walk)
        except ValueError as exc:
            raise ValueError(f"pause_walk: {exc}") from None
        if any(s.kind == "run" for s in flatten(pause)):
            raise ValueError("pause_walk must be walking only")

    @cached_property
    def levels(self) -> tuple[Level, ...]:
        out = [Level(i, PHASE_WALK, spec) for i, spec in enumerate(self.walk_levels)]
        out += [
            Level(len(out) + i, PHASE_RUN_WALK, spec) for i, spec in enumerate(self.run_walk_levels)
        ]
        run_s = max(totals(parse(self.run_walk_levels[-1])).longest_run_s, 60)
        while run_s < self.goal_run_s:
            run_s = min(self.goal_run_s, _floor30(run_s * (1 + self.weekly_increase)))
            spec = format_spec(
                [
                    Step("walk", self.warmup_walk_s),
                    Step("run", run_s),
                    Step("walk", self.cooldown_walk_s),
                ]
            )
            out.append(Level(len(out), PHASE_CONTINUOUS, spec))
        return tuple(out)

    @property
    def first_run_level(self) -> int:
        return len(self.walk_levels)

    @property
    def top_walk_level(self) -> int:
        return len(self.walk_levels) - 1

    def level(self, number: int) -> Level:
        return self.levels[max(0, min(number, len(self.levels) - 1))]

    def level_of_spec(self, spec: str | None) -> int | None:
        """The ladder level whose workout is exactly this spec, if any."""
        if spec is None:
            return None
        for level in self.levels:
            if level.spec == spec:
                return level.number
        return None


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _floor30(seconds: float) -> int:
    """Round down to 30 s, but always at least 30 s more than nothing."""
    return max(30, int(seconds // 30) * 30)
