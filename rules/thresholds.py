"""The tunable thresholds of detection and matching: plain values, no numpy.

Apart from the algorithms that use them (rules.bouts, rules.matching) so that reading the
settings does not import numpy: every `runback` call reads them, few compute with them.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_MIN_BOUT_S = 8


@dataclass(frozen=True)
class DetectionThresholds:
    """How seconds become run, walk or standing. Defaults and reasons: config/runback.toml."""

    run_cadence_spm: float = 140.0
    walk_cadence_max_spm: float = 130.0
    walk_cadence_min_spm: float = 60.0
    run_speed_mps: float = 1.9
    walk_speed_mps: float = 0.4
    cadence_smoothing_s: int = 5
    speed_smoothing_s: int = 9
    min_bout_s: int = 8
    max_gap_s: int = 30

    def __post_init__(self) -> None:
        if not 0 < self.walk_cadence_min_spm < self.walk_cadence_max_spm <= self.run_cadence_spm:
            raise ValueError(
                "cadence thresholds must satisfy 0 < walk_cadence_min_spm < "
                "walk_cadence_max_spm <= run_cadence_spm"
            )
        if not 0 < self.walk_speed_mps < self.run_speed_mps:
            raise ValueError("speed thresholds must satisfy 0 < walk_speed_mps < run_speed_mps")
        if not 1 <= self.min_bout_s <= MAX_MIN_BOUT_S:
            raise ValueError(f"min_bout_s must be 1..{MAX_MIN_BOUT_S}, got {self.min_bout_s}")
        for name in ("cadence_smoothing_s", "speed_smoothing_s"):
            if not 1 <= getattr(self, name) <= 60:
                raise ValueError(f"{name} must be 1..60, got {getattr(self, name)}")
        if not 1 <= self.max_gap_s <= 600:
            raise ValueError(f"max_gap_s must be 1..600, got {self.max_gap_s}")


@dataclass(frozen=True)
class MatchThresholds:
    """When a step counts as done. Defaults and reasons: config/runback.toml."""

    done_ratio: float = 0.9
    missed_below_s: int = 3
    extra_run_s: int = 10
    tail_lap_s: int = 5
    align_tolerance_s: int = 15

    def __post_init__(self) -> None:
        if not 0.5 <= self.done_ratio <= 1.0:
            raise ValueError(f"done_ratio must be 0.5..1.0, got {self.done_ratio}")
        if not 0 <= self.missed_below_s <= 60:
            raise ValueError(f"missed_below_s must be 0..60, got {self.missed_below_s}")
        if not 0 <= self.extra_run_s <= 300:
            raise ValueError(f"extra_run_s must be 0..300, got {self.extra_run_s}")
        if not 0 <= self.tail_lap_s <= 30:
            raise ValueError(f"tail_lap_s must be 0..30, got {self.tail_lap_s}")
        if not 5 <= self.align_tolerance_s <= 600:
            raise ValueError(f"align_tolerance_s must be 5..600, got {self.align_tolerance_s}")
