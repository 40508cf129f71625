"""Sync-status log lines: each event at its severity whatever its fields, one event per
line whatever the values hold, and a log folder that cannot be written is one line on
stderr, not a "--- Logging error ---" per call."""

from __future__ import annotations

import ast
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync import logs

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "logs"
    logs.configure(folder, as_json=False, to_stderr=False, max_bytes=100_000, backups=1)
    yield folder
    logs.close()


def lines(log_dir: Path) -> list[str]:
    return (log_dir / "runback.log").read_text().splitlines()


def test_a_field_named_level_is_a_field_and_never_the_severity(log_dir: Path) -> None:
    logs.event("decided", date="2026-06-12", level=5, phase="run-walk")
    logs.event("pushed", target="outbox", date="2026-06-12", level=0)
    logs.event("push-failed", target="watch", date="2026-06-12", level=3, reason="unplugged")
    found = lines(log_dir)
    assert len(found) == 3
    assert " info event=decided date=2026-06-12 level=5 phase=run-walk" in found[0]
    assert " info event=pushed target=outbox date=2026-06-12 level=0" in found[1]
    assert " warning event=push-failed " in found[2]


@pytest.mark.parametrize(
    ("name", "severity"),
    [
        ("ingested", "info"),
        ("decided", "info"),
        ("pushed", "info"),
        ("rejected", "warning"),
        ("quarantined", "warning"),
        ("push-failed", "warning"),
        ("garmin-backoff", "warning"),
        ("internal-error", "error"),
    ],
)
def test_each_event_has_its_severity(log_dir: Path, name: str, severity: str) -> None:
    logs.event(name, file="a.fit")
    [line] = lines(log_dir)
    assert f" {severity} event={name} " in line


def _event_calls() -> Iterator[tuple[str, ast.Call]]:
    for path in sorted((REPO / "sync").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "logs"
                and node.func.attr in ("event", "problem", "resolved")
            ):
                yield f"{path.relative_to(REPO)}:{node.lineno}", node


def test_every_event_the_code_logs_has_a_severity_chosen_by_its_name() -> None:
    """The severity comes from the event's name (logs.SEVERITY), never from a call site,
    so no field can turn into a logging level again."""
    calls = list(_event_calls())
    assert len(calls) > 20
    for where, call in calls:
        names = [a for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        assert names, f"{where}: the event name must be a literal"
        name = names[-1].value
        assert name in logs.SEVERITY, f"{where}: event '{name}' has no severity in logs.SEVERITY"
    assert set(logs.SEVERITY.values()) <= {logging.INFO, logging.WARNING, logging.ERROR}


HOSTILE = [
    "\x1b[2J\x1b[31mpwned.fit",
    "a\nevent=pushed target=outbox.fit",
    "a\rb.fit",
    "next\x85line.fit",
    "line\u2028sep\u2029para.fit",
    "bell\x07del\x7f.fit",
    "bidi\u202eexe.fit",
    "bytes-\udcff\udce9.fit",
    'quote" and \\ backslash.fit',
]


@pytest.mark.parametrize("as_json", [False, True])
def test_a_hostile_value_stays_on_its_line_and_puts_no_control_character_in_the_log(
    tmp_path: Path, as_json: bool
) -> None:
    folder = tmp_path / "logs"
    logs.configure(folder, as_json=as_json, to_stderr=False, max_bytes=100_000, backups=1)
    try:
        for name in HOSTILE:
            logs.event("quarantined", file=name, reason=name)
    finally:
        logs.close()
    text = (folder / "runback.log").read_bytes().decode("utf-8")  # valid UTF-8
    found = text.split("\n")
    assert found[-1] == ""
    assert len(found[:-1]) == len(HOSTILE)
    assert text.splitlines() == found[:-1]  # no other character splits a line either
    for line in found[:-1]:
        assert line.isprintable(), repr(line)
    if as_json:
        for name, line in zip(HOSTILE, found, strict=False):
            body = json.loads(line)
            assert (body["event"], body["file"], body["reason"]) == ("quarantined", name, name)
    else:
        assert 'file="\\x1b[2J\\x1b[31mpwned.fit"' in found[0]
        assert 'file="next\\x85line.fit"' in found[3]
        assert 'file="bytes-\\xff\\xe9.fit"' in found[7]  # the bytes of the name


def test_an_internal_error_is_one_line_with_its_trace_in_the_file_and_none_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "logs"
    logs.configure(folder, as_json=False, to_stderr=True, max_bytes=100_000, backups=1)
    try:
        note = "pain 7, leaked at 15:20"  # what she wrote, quoted by some error
        try:
            int(note)
        except ValueError as exc:
            logs.internal_error("inbox", exc)
    finally:
        logs.close()
    [line] = (folder / "runback.log").read_text().splitlines()
    assert " error event=internal-error during=inbox error=ValueError " in line
    assert "trace=" in line
    assert "Traceback" in line
    assert "test_logs.py" in line  # where it happened ...
    assert "leaked" not in line  # ... but not the message: it may quote her entries
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "event=internal-error" in err
    assert "Traceback" not in err


def test_an_unwritable_log_folder_is_one_line_on_stderr_and_logging_goes_on_once_it_heals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """runback.log is a folder here: root cannot write it either (chmod would not stop root)."""
    folder = tmp_path / "logs"
    (folder / "runback.log").mkdir(parents=True)
    logs.configure(folder, as_json=False, to_stderr=False, max_bytes=100_000, backups=1)
    try:
        for _ in range(3):
            logs.event("ingested", file="a.fit")
        err = capsys.readouterr().err
        assert "Logging error" not in err
        assert "Traceback" not in err
        [line] = err.splitlines()
        assert line.startswith(f"runback: cannot write the log in {folder}")
        (folder / "runback.log").rmdir()
        logs.event("ingested", file="b.fit")
    finally:
        logs.close()
    assert "file=b.fit" in (folder / "runback.log").read_text()
