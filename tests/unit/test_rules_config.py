"""config/rules.toml: loaded, overridable, and never looser than the guidance."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.ladder import RulesConfig
from sync.errors import ConfigError
from sync.rules_config import load_rules


def test_the_shipped_rules_are_the_defaults_in_code() -> None:
    assert load_rules() == RulesConfig()


def test_the_ladder_walks_first_then_run_walk_then_continuous_to_the_goal() -> None:
    rules = load_rules()
    phases = [level.phase for level in rules.levels]
    assert phases[:3] == ["walk"] * 3
    assert phases[3:11] == ["run-walk"] * 8
    assert set(phases[11:]) == {"continuous"}
    runs = [level.longest_run_s for level in rules.levels[10:]]
    assert runs[-1] == rules.goal_run_s
    assert all(b <= a * 1.1 for a, b in itertools.pairwise(runs))


def test_a_rules_file_overrides_single_keys(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[progression]\npreferred_days = ["tue", "sat"]\n[symptoms]\nred_flag_pain = 4\n'
    )
    rules = load_rules(mine)
    assert rules.preferred_days == ("tue", "sat")
    assert rules.symptoms.red_flag_pain == 4
    assert rules.symptoms.red_flag_heaviness == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[safety]\nmin_weeks_postpartum = 8\n", "min_weeks_postpartum may not be below 12"),
        ("[safety]\nleak_cap_fraction = 0.95\n", "leak_cap_fraction may be 0.1..0.8"),
        ("[symptoms]\nred_flag_pain = 7\n", "'symptoms': red_flag_pain may be 1..5"),
        ("[safety]\nbogus = 1\n", "rules: unknown key 'safety.bogus'"),
        ("[extras]\nx = 1\n", "unknown section [extras]"),
        ('[progression]\nrest_days = "two"\n', "rules: 'progression.rest_days'"),
        (
            '[ladder]\nrun_walk_levels = ["walk 5m, 5x(jog 1m)"]\n',
            "run_walk_levels[0]: unknown kind 'jog'",
        ),
        ("[ladder\n", "rules file mine.toml"),
    ],
)
def test_a_bad_rules_file_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_rules(mine)


@given(
    st.one_of(
        st.builds(lambda v: {"min_weeks_postpartum": v}, st.integers(-100, 11)),
        st.builds(lambda v: {"leak_cap_fraction": v}, st.floats(0.81, 5.0)),
        st.builds(lambda v: {"leak_cap_floor_s": v}, st.integers(-100, 14)),
        st.builds(lambda v: {"rest_days": v}, st.integers(-5, 0)),
        st.builds(lambda v: {"weekly_increase": v}, st.floats(0.1001, 3.0)),
        st.builds(lambda v: {"days_per_level": v}, st.integers(-5, 6)),
    )
)
def test_configuration_that_loosens_a_safety_value_is_always_refused(
    kwargs: dict[str, float],
) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RulesConfig(**kwargs)  # type: ignore[arg-type]
