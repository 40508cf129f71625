"""The readiness test and the profile (pure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rules.profile import READINESS_ITEMS, Profile, ReadinessLog, parse_items, readiness

D0 = date(2026, 11, 1)
SEVEN = frozenset(READINESS_ITEMS)


def sitting(day: int, passed: str = "", failed: str = "", symptoms: str = "") -> ReadinessLog:
    def items(text: str) -> frozenset[str]:
        return frozenset(t for t in text.split(",") if t)

    return ReadinessLog(D0 + timedelta(days=day), items(passed), items(failed), items(symptoms))


def test_all_seven_in_one_sitting_pass_the_test() -> None:
    result = readiness([ReadinessLog(D0, SEVEN)])
    assert (result.passed, result.passed_on, result.missing) == (True, D0, [])


def test_sittings_up_to_fourteen_days_apart_add_up() -> None:
    logs = [sitting(0, "walk,balance,squat,jog"), sitting(14, "hop,heel-raise,bound")]
    assert readiness(logs).passed_on == D0 + timedelta(days=14)


def test_sittings_further_apart_do_not_add_up() -> None:
    result = readiness([sitting(0, "walk,balance,squat,jog"), sitting(15, "hop,heel-raise,bound")])
    assert not result.passed
    assert result.missing == ["walk", "balance", "squat", "jog"]


def test_a_sitting_with_symptoms_passes_nothing() -> None:
    result = readiness([sitting(0, ",".join(READINESS_ITEMS), symptoms="leak")])
    assert not result.passed
    assert result.items["hop"] == "failed"


def test_a_passed_test_stays_passed_after_a_later_failure() -> None:
    logs = [
        sitting(0, ",".join(READINESS_ITEMS[:6])),
        sitting(2, "bound"),
        sitting(3, failed="hop"),
    ]
    assert readiness(logs).passed_on == D0 + timedelta(days=2)


def test_the_latest_result_of_an_item_in_the_window_counts() -> None:
    retried = [sitting(0, "hop"), sitting(1, failed="hop"), sitting(2, "walk,balance,squat")]
    result = readiness(retried)
    assert result.items["hop"] == "failed"
    assert result.missing == ["jog", "hop", "heel-raise", "bound"]


def test_optional_strength_items_are_kept_but_do_not_gate() -> None:
    result = readiness([sitting(0, "bridge,calf-raise", failed="leg-lift")])
    assert result.strength == {"bridge": "passed", "calf-raise": "passed", "leg-lift": "failed"}
    assert not result.passed


def test_items_parse_with_all_and_refuse_unknown_names() -> None:
    assert parse_items("all") == SEVEN
    assert parse_items(" Hop, bound ") == {"hop", "bound"}
    with pytest.raises(ValueError, match="unknown item 'skip'"):
        parse_items("hop,skip")


def test_a_sitting_refuses_an_item_both_passed_and_failed() -> None:
    with pytest.raises(ValueError, match="both passed and failed"):
        sitting(0, "hop", failed="hop")
    with pytest.raises(ValueError, match="at least one"):
        sitting(0)


def test_weeks_postpartum_and_the_latest_clearance() -> None:
    p = Profile(D0, "cesarean", (D0 + timedelta(days=90), D0 + timedelta(days=80)))
    assert p.weeks_postpartum(D0 + timedelta(days=84)) == 12.0
    assert p.latest_clearance() == D0 + timedelta(days=90)
    assert p.latest_clearance(D0 + timedelta(days=85)) == D0 + timedelta(days=80)
    with pytest.raises(ValueError, match="vaginal or cesarean"):
        Profile(D0, "c-section")
