"""Workout names she can tell apart on a small screen, the sport they go as, the note."""

from __future__ import annotations

from datetime import date

import pytest

from rules.ladder import RulesConfig
from rules.workout import Workout, parse
from sync.adapters.workout_names import (
    CONNECT_NAME_CHARS,
    FIT_TEXT_BYTES,
    WATCH_NAME_BYTES,
    label,
    summary,
    tag_of,
    watch_name,
)

WED = date(2026, 12, 2)  # a Wednesday


def w(spec: str, on: date = WED) -> Workout:
    return Workout("x", on, parse(spec))


@pytest.mark.parametrize(
    ("spec", "main"),
    [
        ("walk 5m, 5x(run 30s, walk 4m30s), walk 5m", "5x30s/4:30"),
        ("walk 5m, 10x(run 15s, walk 3m45s), walk 5m", "10x15s/3:45"),
        ("walk 5m, 7x(run 15s, walk 3m45s), run 10s, walk 5m", "7x15s/3:45+10s"),
        ("walk 5m, run 10m35s, walk 2m, run 10m25s, walk 5m", "10:35+10:25"),
        ("walk 5m, 5x(run 3m, walk 1m), walk 5m", "5x3m/1m"),
        ("walk 5m, run 10m, walk 2m, run 5m, walk 5m", "10m+5m"),
        ("walk 5m, run 16m30s, walk 5m", "Run 16:30"),
        ("walk 20m", "Walk 20m"),
        ("walk 5m, walk 20m", "Walk 25m"),
    ],
)
def test_the_name_says_the_running_in_a_few_characters(spec: str, main: str) -> None:
    assert summary(parse(spec)) == main


def test_the_session_before_and_after_a_leak_entry_carry_different_names() -> None:
    before = watch_name(w("walk 5m, 5x(run 30s, walk 4m30s), walk 5m"))
    after = watch_name(w("walk 5m, 10x(run 15s, walk 3m45s), walk 5m"))
    assert before != after
    assert before == "5x30s/4:30 We 2"
    assert after.startswith("10x15s/3:45")
    assert after.endswith("2")


@pytest.mark.parametrize("level", RulesConfig().levels, ids=lambda lv: f"L{lv.number}")
def test_every_ladder_level_fits_the_watch(level: object) -> None:
    for day in (date(2026, 12, 2), date(2026, 12, 31)):
        name = watch_name(w(level.spec, day))  # type: ignore[attr-defined]
        assert len(name.encode()) <= WATCH_NAME_BYTES, name
        assert name.isascii()
        assert str(day.day) in name


def test_the_label_carries_a_tag_runback_finds_its_own_by_and_a_one_line_reason() -> None:
    reasons = [
        "Level held after leaking on 12-01.",
        "Run intervals at most 0:15 (80 % of 0:20, where leaking started on 12-01).",
    ]
    made = label(w("walk 5m, 10x(run 15s, walk 3m45s), walk 5m"), 57, reasons)
    assert made.connect_name.startswith(made.watch_name)
    assert len(made.connect_name) <= CONNECT_NAME_CHARS
    assert tag_of(made.connect_name) == (WED, 57)
    assert made.description == " ".join(reasons)
    assert "\n" not in made.description
    assert made.sport == "running"


def test_a_walk_only_session_is_a_walking_workout() -> None:
    assert label(w("walk 20m"), 3, ["Walk first."]).sport == "walking"


def test_a_long_reason_is_cut_on_a_word_within_the_fit_limit() -> None:
    reasons = ["Ä reason with umlauts and words " * 40]
    made = label(w("walk 20m"), 1, reasons)
    assert len(made.description.encode()) <= FIT_TEXT_BYTES
    assert made.description.endswith("…")
    assert " wor…" not in made.description  # never half a word


def test_names_that_are_not_runbacks_have_no_tag() -> None:
    assert tag_of("Tempo Tuesday") is None
    assert tag_of("5x30s/4:30 We 2") is None
    assert tag_of("RB L3 11-20 #12") == (None, 12)  # the names of earlier versions


def test_every_session_the_rules_can_give_for_a_day_is_named_apart_by_its_running() -> None:
    """Every ladder level under every leak cap (5 s steps to 30 min): two sessions for the
    same day whose running differs never share a name, and every name fits the watch."""
    from rules.leakcap import LeakCap, prescribe
    from rules.workout import flatten

    rules = RulesConfig()
    day = date(2026, 12, 29)
    running: dict[str, set[tuple[int, ...]]] = {}
    for level in rules.levels:
        sessions = [level.items]
        for cap in range(15, 1800, 5):
            items, capped = prescribe(level.number, LeakCap(cap, cap, day), rules)
            if capped:
                sessions.append(items)
        for items in sessions:
            name = watch_name(Workout("x", day, items))
            assert len(name.encode()) <= WATCH_NAME_BYTES, name
            runs = tuple(s.duration_s for s in flatten(items) if s.kind == "run")
            running.setdefault(name, set()).add(runs)
    clashes = {name: runs for name, runs in running.items() if len(runs) > 1}
    assert clashes == {}
