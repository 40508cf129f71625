"""Settings: defaults from config/runback.toml < --config file < RUNBACK_* env < options."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.errors import ConfigError
from sync.settings import load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("RUNBACK_"):
            monkeypatch.delenv(key)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)


def test_defaults_come_from_the_toml_file_and_home_from_xdg(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    s = load_settings()
    assert s.inbox_stable_s == 1.0
    assert s.home == Path.home() / ".local" / "share" / "runback"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert load_settings().home == tmp_path / "runback"


def test_each_layer_overrides_the_one_below(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    user = tmp_path / "mine.toml"
    user.write_text('inbox_scan_s = 7.0\ntimezone = "Europe/Oslo"\n')
    assert load_settings(user).inbox_scan_s == 7.0
    monkeypatch.setenv("RUNBACK_INBOX_SCAN_S", "9")
    assert load_settings(user).inbox_scan_s == 9.0
    assert load_settings(user, inbox_scan_s=11.0).inbox_scan_s == 11.0
    assert load_settings(user).timezone == "Europe/Oslo"


def test_database_url_and_home_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RUNBACK_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("RUNBACK_DATABASE_URL", "postgresql+psycopg://u:s3cret@db/runback")
    s = load_settings()
    assert s.home == tmp_path / "h"
    assert s.db_url().endswith("@db/runback")
    assert "s3cret" not in repr(s)
    assert "s3cret" not in s.db_label()


def test_a_bad_value_names_the_key(tmp_path: Path) -> None:
    user = tmp_path / "bad.toml"
    user.write_text("inbox_scan_s = -1\n")
    with pytest.raises(ConfigError, match="setting 'inbox_scan_s'"):
        load_settings(user)


def test_an_unknown_key_is_named(tmp_path: Path) -> None:
    user = tmp_path / "bad.toml"
    user.write_text("inbox_scna_s = 1\n")
    with pytest.raises(ConfigError, match="inbox_scna_s"):
        load_settings(user)


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        load_settings(timezone="Mars/Olympus")


def test_a_missing_settings_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_broken_toml_is_an_error(tmp_path: Path) -> None:
    user = tmp_path / "broken.toml"
    user.write_text("inbox_scan_s = = 3\n")
    with pytest.raises(ConfigError):
        load_settings(user)


def test_matching_thresholds_come_from_the_toml_file_and_can_be_overridden(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from rules.bouts import DetectionThresholds
    from rules.matching import MatchThresholds

    defaults = load_settings()
    assert defaults.detection == DetectionThresholds()
    assert defaults.matching == MatchThresholds()
    user = tmp_path / "mine.toml"
    user.write_text("[detection]\nmin_bout_s = 6\n")
    monkeypatch.setenv("RUNBACK_MATCHING__DONE_RATIO", "0.85")
    s = load_settings(user)
    assert s.detection.min_bout_s == 6
    assert s.detection.run_cadence_spm == 140.0
    assert s.matching.done_ratio == 0.85


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[detection]\nmin_bout_s = 12\n", "setting 'detection': Value error, min_bout_s must be"),
        ("[matching]\nbogus = 1\n", "setting 'matching.bogus'"),
        ("[plan_limits]\nmax_steps = 0\n", "setting 'plan_limits': Value error, max_steps"),
    ],
)
def test_a_bad_threshold_names_its_table_and_key(tmp_path: Path, toml: str, message: str) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_settings(user)


def test_plan_limits_come_from_the_toml_file_and_can_be_overridden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rules.workout import PlanLimits

    assert load_settings().plan_limits == PlanLimits(max_steps=500, max_total_s=86400)
    monkeypatch.setenv("RUNBACK_PLAN_LIMITS__MAX_STEPS", "50")
    assert load_settings().plan_limits.max_steps == 50
