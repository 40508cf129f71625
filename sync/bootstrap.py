"""The one place where runback is wired together: settings -> home -> logs -> database."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from rules.ladder import RulesConfig
from sync import logs
from sync.adapters.heartbeat import unusable
from sync.adapters.rawstore import RawStore
from sync.adapters.store.db import make_engine, migrate
from sync.adapters.store.repository import UnitOfWork, ensure_athlete, unit_of_work
from sync.errors import BadInput
from sync.rules_config import load_rules
from sync.settings import Settings

HOME_DIRS = ("inbox", "archive", "quarantine", "outbox", "raw", "logs")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    settings: Settings
    engine: Engine
    athlete_id: int
    raw: RawStore
    rules: RulesConfig = field(default_factory=RulesConfig)
    clock: Callable[[], datetime] = utc_now
    # Makes the Garmin Connect gateway; None: the saved login (tests inject fakes here).
    garmin: Callable[[], Any] | None = None

    def uow(self) -> AbstractContextManager[UnitOfWork]:
        return unit_of_work(self.engine, self.athlete_id)

    def today(self) -> date:
        """The date decisions are made for: --today when given, else today where she lives."""
        if self.settings.today is not None:
            return self.settings.today
        return self.real_today()

    def real_today(self) -> date:
        return self.clock().astimezone(self.settings.tz()).date()

    @property
    def looking_back(self) -> bool:
        """--today names a day already past: a look at that day, not a new plan."""
        return self.settings.today is not None and self.settings.today < self.real_today()

    def close(self) -> None:
        self.engine.dispose()
        logs.close()


def prepare_home(home: Path) -> None:
    """Create RUNBACK_HOME and its folders, readable by the owner only; a home that
    cannot be one is refused (BadInput) with the reason."""
    if home.exists() and not home.is_dir():
        raise BadInput(f"home folder {home}: it is a file, not a folder (see --home)")
    folder = home
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        if home.stat().st_uid == os.getuid():  # a folder shared with her group stays so
            os.chmod(home, 0o700)
        for name in HOME_DIRS:
            folder = home / name
            if folder.exists() and not folder.is_dir():
                raise BadInput(f"home folder {home}: {folder} is a file, not a folder")
            folder.mkdir(exist_ok=True, mode=0o700)
    except PermissionError as exc:  # a bind mount owned by another user, usually
        raise BadInput(f"home folder {home}: {unusable(folder, exc)}") from None
    except OSError as exc:
        raise BadInput(
            f"home folder {home}: cannot create it ({exc.strerror or exc}; see --home)"
        ) from None


def bootstrap(settings: Settings, *, log_to_stderr: bool = False) -> App:
    rules = load_rules(settings.rules_file)
    prepare_home(settings.home)
    logs.configure(
        settings.logs,
        as_json=settings.log_json,
        to_stderr=log_to_stderr,
        max_bytes=settings.log_max_bytes,
        backups=settings.log_backups,
    )
    engine = make_engine(settings.db_url())
    migrate(engine)
    athlete_id = ensure_athlete(engine, settings.athlete, utc_now())
    return App(
        settings=settings,
        engine=engine,
        athlete_id=athlete_id,
        raw=RawStore(settings.raw),
        rules=rules,
    )
