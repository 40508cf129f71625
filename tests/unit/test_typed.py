"""sync.typed: TOML and environment values into the settings and rules dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated

import pytest

from sync.errors import ConfigError
from sync.settings import load_settings
from sync.typed import Bounds, Invalid, Secret, build, convert


@dataclass(frozen=True)
class Inner:
    ratio: float = 0.5

    def __post_init__(self) -> None:
        if not 0 <= self.ratio <= 1:
            raise ValueError(f"ratio must be 0..1, got {self.ratio}")


@dataclass(frozen=True)
class Outer:
    count: Annotated[int, Bounds(ge=1, le=10)] = 1
    name: str = "x"
    flag: bool = False
    day: date | None = None
    where: Path | None = None
    token: Secret | None = None
    levels: tuple[str, ...] = ()
    inner: Inner = field(default_factory=Inner)


def test_values_take_their_field_types() -> None:
    out = build(
        Outer,
        {"count": "3", "flag": "yes", "day": "2026-06-01", "where": "/w", "levels": ["a", "b"],
         "inner": {"ratio": 1}},
    )  # fmt: skip
    assert out == Outer(3, "x", True, date(2026, 6, 1), Path("/w"), None, ("a", "b"), Inner(1.0))
    assert isinstance(out.inner.ratio, float)
    assert build(Outer, {"count": 4.0}).count == 4


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        ({"count": 0}, "count", "must be at least 1"),
        ({"count": 11}, "count", "must be at most 10"),
        ({"count": 2.5}, "count", "whole number"),
        ({"count": True}, "count", "not true/false"),
        ({"name": 3}, "name", "must be text"),
        ({"flag": "maybe"}, "flag", "true or false"),
        ({"day": "yesterday"}, "day", "YYYY-MM-DD"),
        ({"levels": "a"}, "levels", "must be a list"),
        ({"levels": ["a", 1]}, "levels[1]", "must be text"),
        ({"inner": 3}, "inner", "table of settings"),
        ({"inner": {"ratio": 2}}, "inner", "ratio must be 0..1"),
        ({"inner": {"ratoi": 1}}, "inner.ratoi", "did you mean 'ratio'"),
        ({"cuont": 1}, "cuont", "not a setting"),
    ],
)
def test_a_wrong_value_says_where_and_why(
    data: dict[str, object], where: str, message: str
) -> None:
    with pytest.raises(Invalid) as caught:
        build(Outer, data)
    assert caught.value.where == where
    assert message in caught.value.message


def test_a_float_must_be_a_finite_number() -> None:
    for bad in ("nan", "inf", "fast", float("nan")):
        with pytest.raises(Invalid, match="must be a number"):
            convert(float, bad)
    assert convert(float, " 2.5 ") == 2.5


def test_a_secret_never_shows_and_never_reaches_an_error() -> None:
    secret = convert(Secret | None, "s3cret")
    assert isinstance(secret, Secret)
    assert secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(secret) + str(secret) + repr(Outer(token=secret))
    with pytest.raises(Invalid) as caught:
        build(Outer, {"count": "s3cret"})
    assert "s3cret" not in str(caught.value)


# --- the settings' environment layer ----------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith("RUNBACK_"):
            monkeypatch.delenv(key)
    return monkeypatch


def test_environment_names_are_read_in_any_case_and_tables_merge(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text("[detection]\nmin_bout_s = 6\n")
    clean_env.setenv("runback_detection__max_gap_s", "40")
    clean_env.setenv("RUNBACK_LOG_JSON", "true")
    s = load_settings(mine)
    assert (s.detection.min_bout_s, s.detection.max_gap_s, s.log_json) == (6, 40, True)
    assert s.detection.run_cadence_spm == 140.0  # the defaults' other keys stay


def test_variables_that_name_no_setting_are_left_alone_and_empty_ones_are_unset(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("RUNBACK_UID", "1000")
    clean_env.setenv("RUNBACK_TEST_SOMETHING", "x")
    clean_env.setenv("RUNBACK_DATABASE_URL", "")
    clean_env.setenv("RUNBACK_INBOX_SCAN_S", "")
    s = load_settings()
    assert s.database_url is None
    assert s.inbox_scan_s == 2.0


def test_a_bad_environment_value_names_its_key(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("RUNBACK_DETECTION__MIN_BOUT_S", "six")
    with pytest.raises(ConfigError, match=r"setting 'detection.min_bout_s': must be a whole"):
        load_settings()
    clean_env.setenv("RUNBACK_DETECTION", "fast")
    with pytest.raises(ConfigError, match="setting 'detection"):
        load_settings()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"inbox_scan_s = \xff\n", "not UTF-8"), (b"[detection\n", "settings file")],
)
def test_a_settings_file_that_does_not_read_is_one_clear_error(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, content: bytes, message: str
) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(mine)


def test_replace_checks_the_new_values(clean_env: pytest.MonkeyPatch) -> None:
    s = load_settings(timezone="UTC")
    assert s.replace(today=date(2026, 6, 1)).today == date(2026, 6, 1)
    with pytest.raises(Invalid, match="unknown time zone"):
        s.replace(timezone="Mars/Olympus")


def test_a_tilde_naming_no_known_home_is_one_line(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("RUNBACK_HOME", "~nosuchuser99/runback")
    with pytest.raises(ConfigError, match=r"setting 'home': '~nosuchuser99/runback': '~' names"):
        load_settings()
