"""A FIFO or a device where a run was expected (put in the inbox after it was listed, or
named on the command line): refused at once as not a regular file. A plain open() of a
FIFO waits until someone writes to it; the worker then took no more files and no longer
answered SIGTERM, and `runback ingest` never finished."""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from sync.adapters.decoding import decode_path
from sync.adapters.reading import NOT_REGULAR, read_file
from sync.usecases.inbox import take
from sync.usecases.ingest import ingest_file, list_activities

pytestmark = pytest.mark.usefixtures("hang_fails")  # a read that waits fails instead


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "run.fit"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_read_file_refuses_what_is_not_a_regular_file(fifo: Path, kind: str) -> None:
    path = {"fifo": fifo, "device": Path("/dev/null")}[kind]
    with pytest.raises(OSError, match="not a regular file") as caught:
        read_file(path)
    assert caught.value.strerror == NOT_REGULAR


def test_read_file_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        read_file(tmp_path)


def test_read_file_reads_a_regular_file_and_raises_for_a_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "a.fit"
    path.write_bytes(b"\x0e\x10" * 70_000)
    assert read_file(path) == b"\x0e\x10" * 70_000
    with pytest.raises(FileNotFoundError):
        read_file(tmp_path / "missing.fit")


def test_a_decoding_process_reports_a_fifo_as_unreadable(fifo: Path) -> None:
    decoded = decode_path(str(fifo), UTC, (), False)
    assert (decoded.sha256, decoded.unreadable) == (None, f"cannot read: {NOT_REGULAR}")


def test_ingesting_a_fifo_rejects_it_and_stores_nothing(app: Any, fifo: Path) -> None:
    result = ingest_file(app, fifo, source="file")
    assert (result.state, result.reason) == ("rejected", f"cannot read: {NOT_REGULAR}")
    assert list_activities(app) == []


def test_a_fifo_put_in_the_inbox_after_the_listing_is_left_where_it_is(app: Any) -> None:
    path = app.settings.inbox / "run.fit"
    os.mkfifo(path)
    result = take(app, path)
    assert (result.state, result.reason) == ("failed", f"cannot read: {NOT_REGULAR}")
    assert path.exists()  # the worker's retries, then quarantine, as for any unreadable file
