"""Typed settings: defaults in config/runback.toml, then an optional --config TOML file,
then RUNBACK_* environment variables, then command-line options (highest).
"""

from __future__ import annotations

import os
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from rules.bouts import DetectionThresholds
from rules.matching import MatchThresholds
from rules.workout import PlanLimits
from sync.errors import ConfigError


def config_dir() -> Path:
    """Where the default TOML files are: ./config in a checkout, sync/_config in a wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "config", here / "_config"):
        if (candidate / "runback.toml").is_file():
            return candidate
    raise ConfigError(f"default settings not found (looked for config/runback.toml near {here})")


def default_home() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "runback"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RUNBACK_", env_nested_delimiter="__", extra="forbid"
    )

    home: Path = Field(default_factory=default_home)
    # A URL may hold a password: kept secret, never logged.
    database_url: SecretStr | None = None
    # Docker secrets and the like: the URL, or just its password, read from a file (the
    # file's content, stripped). A password given apart from the URL is URL-escaped into
    # it, so any character works.
    database_url_file: Path | None = None
    database_password: SecretStr | None = None
    database_password_file: Path | None = None
    timezone: str = "local"
    today: date | None = None
    athlete: str = "default"
    inbox_scan_s: float = Field(default=2.0, gt=0, le=3600)
    inbox_stable_s: float = Field(default=1.0, ge=0, le=600)
    # A FIT file shorter than its header says (a copy still arriving in pieces) waits
    # until it has not changed for this long before it is refused as truncated.
    inbox_truncated_wait_s: float = Field(default=60.0, ge=0, le=24 * 3600)
    garmin_pull_min: float = Field(default=15.0, ge=1, le=24 * 60)
    log_json: bool = False
    log_max_bytes: int = Field(default=5_000_000, ge=10_000)
    log_backups: int = Field(default=5, ge=1, le=100)
    # How seconds become running or walking, and when a step counts as done: the rules
    # dataclasses check their own bounds, so a bad value names its key here.
    detection: DetectionThresholds = Field(default_factory=DetectionThresholds)
    matching: MatchThresholds = Field(default_factory=MatchThresholds)
    # How big a workout may be with its repeats expanded (a --plan spec, a file's workout).
    plan_limits: PlanLimits = Field(default_factory=PlanLimits)
    # A mounted watch (its root, holding GARMIN/): workouts are also written to
    # GARMIN/NewFiles there. Watches that connect over MTP need an MTP mount first.
    watch_dir: Path | None = None
    # Runs on the watch older than this are left there (default: the birth date, or the
    # last 30 days while it is unknown); how often to look whether the watch is mounted.
    watch_since: date | None = None
    watch_scan_s: float = Field(default=10.0, ge=1, le=3600)
    # A TOML file overriding config/rules.toml (the ladder, progression, safety, symptoms).
    rules_file: Path | None = None

    @field_validator(
        "home", "watch_dir", "rules_file", "database_url_file", "database_password_file"
    )
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        """`~/watch` as a shell would read it: TOML files, env files and systemd do not."""
        return None if value is None else value.expanduser()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        resolve_timezone(value)
        return value

    @field_validator("today")
    @classmethod
    def _usable_day(cls, value: date | None) -> date | None:
        from sync.dates import out_of_range

        problem = out_of_range(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML files are named by load_settings() on the class it builds.
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    # --- derived paths ----------------------------------------------------------------

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    @property
    def raw(self) -> Path:
        return self.home / "raw"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def sqlite_path(self) -> Path:
        return self.home / "runback.db"

    def db_url(self) -> str:
        url = self._given_url()
        if url is None:
            return f"sqlite:///{self.sqlite_path}"
        password = self._password()
        if password is None:
            return url
        from sqlalchemy.engine import make_url

        try:
            # make_url keeps the password as given; render_as_string escapes it.
            return make_url(url).set(password=password).render_as_string(hide_password=False)
        except Exception:
            raise ConfigError(
                "setting 'database_url': not a database URL (like "
                "postgresql+psycopg://user@host:5432/db)"
            ) from None

    def _given_url(self) -> str | None:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        if self.database_url_file is not None:
            return _read_secret("database_url_file", self.database_url_file).strip()
        return None

    def _password(self) -> str | None:
        if self.database_password is not None:
            return self.database_password.get_secret_value()
        if self.database_password_file is not None:
            return _read_secret("database_password_file", self.database_password_file)
        return None

    def db_label(self) -> str:
        """The database for people to read: the SQLite path, or the URL without a password."""
        url = self._given_url()
        if url is None:
            return str(self.sqlite_path)
        from sqlalchemy.engine import make_url

        try:
            return make_url(url).render_as_string(hide_password=True)
        except Exception:
            return "(database URL)"

    def tz(self) -> tzinfo:
        return resolve_timezone(self.timezone)


def _read_secret(key: str, path: Path) -> str:
    """A secret from a file (Docker secrets): its content without the trailing newline
    (spaces are kept: they may be part of the password, as PostgreSQL's image reads it)."""
    try:
        text = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise ConfigError(f"setting '{key}': cannot read {path} ({why})") from None
    if not text.strip():
        raise ConfigError(f"setting '{key}': {path} is empty")
    return text


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from every source; a bad value raises ConfigError naming the key.

    The settings file is `config_file` (--config), else the one named by RUNBACK_CONFIG.
    """
    if config_file is None and os.environ.get("RUNBACK_CONFIG"):
        config_file = Path(os.environ["RUNBACK_CONFIG"]).expanduser()
    if config_file is not None and not config_file.is_file():
        named = " (RUNBACK_CONFIG)" if os.environ.get("RUNBACK_CONFIG") == str(config_file) else ""
        raise ConfigError(f"settings file {config_file}{named} does not exist")
    files = [config_dir() / "runback.toml", *([config_file] if config_file else [])]

    class LoadedSettings(Settings):
        model_config = SettingsConfigDict(
            env_prefix="RUNBACK_", env_nested_delimiter="__", extra="forbid", toml_file=files
        )

    try:
        return LoadedSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "settings"
        message = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"setting '{key}': {message}") from None
    except ValueError as exc:  # TOML syntax errors and the like
        raise ConfigError(f"settings: {exc}") from None


def resolve_timezone(name: str) -> tzinfo:
    """An IANA zone by name; 'local' is this machine's zone (TZ, then /etc/localtime)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name == "local":
        # tzlocal knows every way a machine names its zone (TZ, /etc/timezone, the
        # /etc/localtime link or file, systemd's timedatectl); it may still find none.
        import tzlocal

        try:
            zone = tzlocal.get_localzone_name()
            if zone:
                return ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, LookupError, OSError):
            pass
        from datetime import datetime

        local = datetime.now().astimezone().tzinfo
        assert local is not None
        return local
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{name}' (use an IANA name such as Europe/Berlin)"
        ) from None
