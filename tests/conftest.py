"""Shared fixtures: the real FIT files in ../shared, database URLs (SQLite and PostgreSQL,
one fresh schema per test), and an App wired to a temporary home."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_FIT = Path(os.environ.get("RUNBACK_SHARED", REPO.parent / "shared")) / "fixtures" / "fit"
PG_URL = os.environ.get("RUNBACK_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def shared_fit() -> Path:
    if not SHARED_FIT.is_dir():
        pytest.skip(f"real FIT fixtures not found at {SHARED_FIT} (../shared is absent)")
    return SHARED_FIT


def _postgres_schema_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip(
            "PostgreSQL tests need RUNBACK_TEST_POSTGRES_URL "
            "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    admin = create_engine(PG_URL)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests, but {PG_URL} is unreachable: {exc}")
        pytest.skip(f"PostgreSQL at {PG_URL} unreachable")
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test on SQLite and on PostgreSQL (a schema of its own)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _postgres_schema_url()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def make_app(
    home: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Any]]:
    """Build an App on this test's database, with settings overridden (today, timezone...);
    RUNBACK_* variables of the calling shell are ignored. Closed at teardown."""
    from sync.bootstrap import bootstrap
    from sync.settings import load_settings

    for key in list(os.environ):
        if key.startswith("RUNBACK_") and key != "RUNBACK_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    made: list[Any] = []

    def build(**overrides: Any) -> Any:
        settings = load_settings(
            home=home,
            database_url=None if db_url.startswith("sqlite") else db_url,
            **overrides,
        )
        made.append(bootstrap(settings))
        return made[-1]

    yield build
    for application in made:
        application.close()


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app()


@pytest.fixture
def hang_fails() -> Iterator[None]:
    """A test of something that must not wait forever (a stuck read, a pool's shutdown)
    fails after two minutes instead of hanging the suite (SIGALRM in the main thread,
    where the waiting happens)."""

    def hung(signum: int, frame: object) -> None:
        raise AssertionError("still waiting after 120 s")

    before = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
