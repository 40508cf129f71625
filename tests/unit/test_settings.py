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
        ("[detection]\nmin_bout_s = 12\n", "setting 'detection': min_bout_s must be"),
        ("[matching]\nbogus = 1\n", "setting 'matching.bogus'"),
        ("[plan_limits]\nmax_steps = 0\n", "setting 'plan_limits': max_steps"),
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


# --- issue 15: secrets, the settings file from the environment, the local zone -------------------


def test_a_password_given_apart_is_escaped_into_the_url(tmp_path: Path) -> None:
    s = load_settings(
        home=tmp_path,
        database_url="postgresql+psycopg://runback@db:5432/runback",
        database_password="p@ss:w/rd#1%",
    )
    url = s.db_url()
    assert url == "postgresql+psycopg://runback:p%40ss%3Aw%2Frd%231%25@db:5432/runback"
    from sqlalchemy.engine import make_url

    assert make_url(url).password == "p@ss:w/rd#1%"
    assert "p@ss" not in s.db_label()
    assert "p%40ss" not in s.db_label()


def test_the_password_and_the_url_can_come_from_secret_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "db_password"
    secret.write_text("s3cr@t\n")
    url_file = tmp_path / "db_url"
    url_file.write_text("postgresql+psycopg://runback@postgres:5432/runback\n")
    monkeypatch.setenv("RUNBACK_DATABASE_URL_FILE", str(url_file))
    monkeypatch.setenv("RUNBACK_DATABASE_PASSWORD_FILE", str(secret))
    s = load_settings(home=tmp_path)
    assert s.db_url() == "postgresql+psycopg://runback:s3cr%40t@postgres:5432/runback"
    assert "s3cr" not in repr(s)


@pytest.mark.parametrize(("content", "message"), [(None, "cannot read"), ("", "is empty")])
def test_an_unreadable_or_empty_secret_file_is_one_clear_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    secret = tmp_path / "db_password"
    if content is not None:
        secret.write_text(content)
    s = load_settings(
        home=tmp_path,
        database_url="postgresql+psycopg://runback@db/runback",
        database_password_file=secret,
    )
    with pytest.raises(ConfigError, match=f"database_password_file': .*{message}"):
        s.db_url()


def test_runback_config_names_the_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(f'watch_dir = "{tmp_path / "watch"}"\n')
    monkeypatch.setenv("RUNBACK_CONFIG", str(mine))
    assert load_settings(home=tmp_path).watch_dir == tmp_path / "watch"
    monkeypatch.setenv("RUNBACK_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"missing.toml \(RUNBACK_CONFIG\) does not exist"):
        load_settings(home=tmp_path)


def test_the_local_zone_comes_from_tzlocal(monkeypatch: pytest.MonkeyPatch) -> None:
    import tzlocal

    from sync.settings import resolve_timezone

    monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: "America/St_Johns")
    assert str(resolve_timezone("local")) == "America/St_Johns"  # a DST zone, by name


def test_a_tilde_in_a_path_setting_is_her_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    mine = tmp_path / "mine.toml"
    mine.write_text('watch_dir = "~/watch/Internal Storage"\n')
    monkeypatch.setenv("RUNBACK_HOME", "~/runback")
    s = load_settings(mine)
    assert s.watch_dir == tmp_path / "watch" / "Internal Storage"
    assert s.home == tmp_path / "runback"


def test_a_password_file_keeps_its_spaces_and_loses_only_the_newline(tmp_path: Path) -> None:
    secret = tmp_path / "db_password"
    secret.write_text(" two words \n")
    s = load_settings(
        home=tmp_path,
        database_url="postgresql+psycopg://runback@db/runback",
        database_password_file=secret,
    )
    from sqlalchemy.engine import make_url

    assert make_url(s.db_url()).password == " two words "
