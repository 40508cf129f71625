"""Properties of detection and matching that hold for any session (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.activity import Pause
from rules.bouts import detect
from rules.matching import match
from rules.plan import plan_from_items
from rules.workout import Repeat, Step, flatten, format_spec, parse
from tests.unit.test_matching import activity, at

# A session as stretches of one kind: run, walk, stand, or a timer pause.
stretches = st.lists(
    st.tuples(st.sampled_from("rwsp"), st.integers(1, 400)), min_size=1, max_size=12
)


def build(parts: list[tuple[str, int]], every_s: int = 1) -> tuple[str, tuple[Pause, ...]]:
    kinds, pauses, t = "", [], 0
    for kind, seconds in parts:
        if kind == "p":
            pauses.append(Pause(at(t), at(t + seconds)))
            kinds += "." * seconds
        else:
            kinds += kind * seconds
        t += seconds
    return kinds, tuple(pauses)


@settings(max_examples=60, deadline=None)
@given(stretches, st.integers(1, 10))
def test_run_seconds_never_exceed_timer_seconds(parts: list[tuple[str, int]], every_s: int) -> None:
    kinds, pauses = build(parts)
    act = activity(kinds, pauses=pauses, every_s=every_s)
    track = detect(act)
    moving = sum(b.duration_s for b in track.bouts)
    assert moving <= act.timer_s
    for earlier, later in zip(track.bouts, track.bouts[1:], strict=False):
        assert earlier.end <= later.start


plans = st.lists(
    st.one_of(
        st.builds(Step, st.sampled_from(["run", "walk"]), st.integers(10, 600)),
        st.builds(
            Repeat,
            st.integers(1, 6),
            st.lists(
                st.builds(Step, st.sampled_from(["run", "walk"]), st.integers(10, 300)),
                min_size=1,
                max_size=3,
            ).map(tuple),
        ),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(plans, stretches)
def test_intervals_come_out_in_plan_order(
    items: list[Step | Repeat], parts: list[tuple[str, int]]
) -> None:
    kinds, pauses = build(parts)
    plan = plan_from_items(parse(format_spec(items)), "option")
    result = match(activity(kinds, pauses=pauses), plan)
    assert [r.index for r in result.intervals] == list(range(1, len(plan.rows) + 1))
    assert [r.kind for r in result.intervals] == [s.kind for s in flatten(items)]
    starts = [r.start for r in result.intervals if r.start is not None]
    assert starts == sorted(starts)
    for r in result.intervals:
        if r.start is None or r.end is None:
            assert r.actual_s == 0
        else:
            assert r.actual_s <= (r.end - r.start).total_seconds()


# Stretches of one kind long enough to be seen at a 3 s sampling.
steady = st.lists(st.tuples(st.sampled_from("rw"), st.integers(20, 300)), min_size=1, max_size=10)


@settings(max_examples=60, deadline=None)
@given(steady)
def test_detection_is_stable_under_resampling_at_1_s_and_3_s(parts: list[tuple[str, int]]) -> None:
    kinds, _ = build(parts)
    fine = [b for b in detect(activity(kinds, every_s=1)).bouts if b.kind == "run"]
    coarse = [b for b in detect(activity(kinds, every_s=3)).bouts if b.kind == "run"]
    long_fine = [b for b in fine if b.duration_s >= 10]
    long_coarse = [b for b in coarse if b.duration_s >= 10]
    assert len(long_fine) == len(long_coarse)
    for a, b in zip(long_fine, long_coarse, strict=True):
        assert abs((a.start - b.start).total_seconds()) <= 3
        assert abs(a.duration_s - b.duration_s) <= 3
