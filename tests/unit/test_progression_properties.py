"""Safety properties of decide() over random histories (hypothesis drives the seeds).

Every invariant of tests/support/progression_check.py is kept for every history: the
gates and red flags, the leak cap earned only by clean runs at it, never harder after
pain, a worse trend or a red flag, one level up per 7 days from the last change, resuming
no harder, continuous only at 15 minutes straight, and every reason true to its inputs.
The default run is quick; `make soak` plays 10,000 histories and prints the counts.
"""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.sessions import is_run
from tests.support.progression_check import INVARIANTS, random_history

SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=400, deadline=None)
@given(SEEDS)
def test_every_invariant_holds_for_random_histories(seed: int) -> None:
    h = random_history(random.Random(seed))
    d = h.decide()
    broken = [name for name, check in INVARIANTS.items() if check(h, d) is False]
    assert not broken, (broken, d)


@settings(max_examples=150, deadline=None)
@given(SEEDS)
def test_continuous_weekly_running_grows_ten_percent_at_most(seed: int) -> None:
    h = random_history(random.Random(seed))
    d = h.decide()
    if d.phase != "continuous" or d.workout is None:
        return
    on = d.on
    runs = [s for s in h.sessions if is_run(s, 3)]
    this_week = sum(s.run_s for s in runs if on - timedelta(days=6) <= s.day <= on)
    last_week = sum(
        s.run_s for s in runs if on - timedelta(days=13) <= s.day <= on - timedelta(days=7)
    )
    if last_week:
        assert this_week + d.workout.totals.run_s <= 1.1 * last_week + 1e-9


@settings(max_examples=100, deadline=None)
@given(SEEDS, st.randoms())
def test_same_inputs_same_decision_in_any_order(seed: int, rng: random.Random) -> None:
    h = random_history(random.Random(seed))
    first = h.decide()
    rng.shuffle(h.sessions)
    rng.shuffle(h.notes)
    assert h.decide() == first
    assert h.decide() == first
