"""Typed settings: defaults in config/runback.toml, then an optional --config TOML file,
then RUNBACK_* environment variables, then command-line options (highest).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, tzinfo
from pathlib import Path
from typing import Annotated, Any

from rules.thresholds import DetectionThresholds, MatchThresholds
from rules.workout import PlanLimits
from sync.dates import out_of_range
from sync.errors import ConfigError
from sync.typed import Bounds, Invalid, Secret, build

ENV_PREFIX = "RUNBACK_"
NESTED = "__"  # RUNBACK_DETECTION__MIN_BOUT_S=6 is [detection] min_bout_s = 6


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


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=default_home)
    # A URL may hold a password: kept secret, never logged.
    database_url: Secret | None = None
    # Docker secrets and the like: the URL, or just its password, read from a file (the
    # file's content, stripped). A password given apart from the URL is URL-escaped into
    # it, so any character works.
    database_url_file: Path | None = None
    database_password: Secret | None = None
    database_password_file: Path | None = None
    timezone: str = "local"
    today: date | None = None
    athlete: str = "default"
    inbox_scan_s: Annotated[float, Bounds(gt=0, le=3600)] = 2.0
    inbox_stable_s: Annotated[float, Bounds(ge=0, le=600)] = 1.0
    # A FIT file shorter than its header says (a copy still arriving in pieces) waits
    # until it has not changed for this long before it is refused as truncated.
    inbox_truncated_wait_s: Annotated[float, Bounds(ge=0, le=24 * 3600)] = 60.0
    garmin_pull_min: Annotated[float, Bounds(ge=1, le=24 * 60)] = 15.0
    log_json: bool = False
    log_max_bytes: Annotated[int, Bounds(ge=10_000)] = 5_000_000
    log_backups: Annotated[int, Bounds(ge=1, le=100)] = 5
    # How seconds become running or walking, and when a step counts as done: the rules
    # dataclasses check their own bounds, so a bad value names its key here.
    detection: DetectionThresholds = field(default_factory=DetectionThresholds)
    matching: MatchThresholds = field(default_factory=MatchThresholds)
    # How big a workout may be with its repeats expanded (a --plan spec, a file's workout).
    plan_limits: PlanLimits = field(default_factory=PlanLimits)
    # A mounted watch (its root, holding GARMIN/): workouts are also written to
    # GARMIN/NewFiles there. Watches that connect over MTP need an MTP mount first.
    watch_dir: Path | None = None
    # Runs on the watch older than this are left there (default: the birth date, or the
    # last 30 days while it is unknown); how often to look whether the watch is mounted.
    watch_since: date | None = None
    watch_scan_s: Annotated[float, Bounds(ge=1, le=3600)] = 10.0
    # A TOML file overriding config/rules.toml (the ladder, progression, safety, symptoms).
    rules_file: Path | None = None

    def __post_init__(self) -> None:
        for name in _PATHS:  # `~/watch` as a shell reads it: TOML, env files, systemd do not
            value = getattr(self, name)
            if value is not None:
                try:
                    object.__setattr__(self, name, value.expanduser())
                except RuntimeError:  # ~someone, and no such user here (or no HOME)
                    raise Invalid(
                        (name,), f"'{value}': '~' names a home this machine does not know"
                    ) from None
        try:
            resolve_timezone(self.timezone)
        except ValueError as exc:
            raise Invalid(("timezone",), str(exc)) from None
        if self.today is not None:
            problem = out_of_range(self.today)
            if problem:
                raise Invalid(("today",), problem)

    def replace(self, **changes: Any) -> Settings:
        """These settings with some values changed (checked like any other)."""
        return dataclasses.replace(self, **changes)

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
    Tables merge key by key: a file that sets `[detection] min_bout_s` keeps the other
    detection defaults.
    """
    if config_file is None and os.environ.get("RUNBACK_CONFIG"):
        config_file = Path(os.environ["RUNBACK_CONFIG"]).expanduser()
    if config_file is not None and not config_file.is_file():
        named = " (RUNBACK_CONFIG)" if os.environ.get("RUNBACK_CONFIG") == str(config_file) else ""
        raise ConfigError(f"settings file {config_file}{named} does not exist")
    merged: dict[str, Any] = {}
    for source in (config_dir() / "runback.toml", *([config_file] if config_file else [])):
        _merge(merged, _read_toml(source))
    _merge(merged, _from_environment(os.environ))
    _merge(merged, {k: v for k, v in overrides.items() if v is not None})
    try:
        return build(Settings, merged)
    except Invalid as exc:
        raise ConfigError(f"setting '{exc.where or 'settings'}': {exc.message}") from None


_PATHS = ("home", "watch_dir", "rules_file", "database_url_file", "database_password_file")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"settings file {path}: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"settings file {path}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"settings file {path}: cannot read it ({exc.strerror or exc})") from None


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """RUNBACK_<KEY> and RUNBACK_<TABLE>__<KEY> (any case) as a settings table.

    Variables that name no setting (RUNBACK_CONFIG, RUNBACK_UID, ...) are not settings and
    are left alone; an empty one counts as unset, as `KEY=` in an env file means."""
    top = {f.name for f in fields(Settings)}
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.upper().startswith(ENV_PREFIX) or not value:
            continue
        path = name[len(ENV_PREFIX) :].lower().split(NESTED)
        if path[0] not in top:
            continue
        table = out
        for part in path[:-1]:
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                raise ConfigError(f"setting '{'.'.join(path)}': {name} and another variable clash")
        table[path[-1]] = value
    return out


def _merge(into: dict[str, Any], layer: Mapping[str, Any]) -> None:
    for key, value in layer.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, Mapping):
            into[key] = dict(value)
        else:
            into[key] = value


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
