"""Sync-status log lines: one line per event, `key=value` (or JSON with --log-json).

Lines say what was synced and decided, never symptom details or credentials: callers
pass only file names, ids, states, dates and reasons about files.

An event's severity is a property of its name (SEVERITY), never an argument: a field may
be called anything (`level=5` is her training level) without changing where the line
goes. Every value is escaped, so one event is always one line, whatever a file name holds
(escape sequences, line separators, bytes that are not UTF-8).
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.handlers
import os
import re
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sync.errors import FolderError
from sync.formatting import SHORT_ESCAPES, escape_char

LOGGER_NAME = "runback"
INFO, WARNING, ERROR = logging.INFO, logging.WARNING, logging.ERROR

# What each event is: info when work went as it should, warning when something she gave
# was refused or something failed and will be tried again, error for runback's own bugs.
SEVERITY: dict[str, int] = {
    # the inbox, ingest and the raw store
    "ingested": INFO,
    "duplicate": INFO,
    "archived": INFO,
    "rebuilt": INFO,
    "rejected": WARNING,
    "decode-in-process": WARNING,  # no decoding processes to be had: decoded in the caller
    "quarantined": WARNING,
    "waiting": INFO,
    "workout-ignored": WARNING,  # a file's recorded workout too big to expand; run kept
    "inbox-ignored": WARNING,  # a link, folder or other file in the inbox, left alone
    "file-failed": WARNING,
    "folder-fault": WARNING,
    "folder-recovered": INFO,
    "database-fault": WARNING,
    "database-recovered": INFO,
    # decisions and pushes
    "decided": INFO,
    "pushed": INFO,
    "push-failed": WARNING,
    # her watch, plugged in (the USB round trip)
    "watch": INFO,
    "watch-unreadable": WARNING,  # a file on the watch could not be read: next pass
    "watch-readable": INFO,  # ... and now it could
    "watch-ignored": WARNING,  # a link or an impossibly big file on the watch, left alone
    # her journal
    "profile-updated": INFO,
    "readiness-logged": INFO,
    "symptoms-recorded": INFO,
    "symptoms-imported": INFO,
    # Garmin Connect
    "garmin-login": INFO,
    "garmin-pulled": INFO,
    "garmin-replaced": INFO,
    "garmin-tidied": INFO,  # runback's workouts she can no longer use, removed
    "garmin-login-needed": WARNING,
    "garmin-backoff": WARNING,
    "garmin-error": WARNING,
    # the worker
    "worker-started": INFO,
    "worker-stopped": INFO,
    "stopping": INFO,
    "released": INFO,
    "summary": INFO,
    "watch-unavailable": WARNING,
    "pass-failed": WARNING,
    "process-failed": WARNING,
    "pull-failed": WARNING,
    "internal-error": ERROR,
}


def event(name: str, /, **fields: Any) -> None:
    """Log one sync-status line: event=NAME key=value ..., at NAME's severity.

    An unknown name logs as a warning (a test keeps every name in SEVERITY)."""
    logging.getLogger(LOGGER_NAME).log(
        SEVERITY.get(name, WARNING), name, extra={"fields": {"event": name, **fields}}
    )


def internal_error(during: str, exc: BaseException) -> None:
    """runback's own bug: one error line; its trace goes to the log file, not to stderr."""
    logging.getLogger(LOGGER_NAME).error(
        "internal-error",
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"fields": {"event": "internal-error", "during": during,
                          "error": type(exc).__name__}},
    )  # fmt: skip


# A standing problem (a folder that cannot be written, say) is said once, when it starts
# or changes, and once more when it is over; not on every pass while it lasts.
_standing: dict[str, str] = {}


def problem(key: str, name: str, /, **fields: Any) -> bool:
    """Log `name` unless the problem `key` already stands with the same fields."""
    said = json.dumps(fields, sort_keys=True, default=str)
    if _standing.get(key) == said:
        return False
    _standing[key] = said
    event(name, **fields)
    return True


def resolved(key: str, name: str, /, **fields: Any) -> bool:
    """Log `name` if the problem `key` stood, and forget it."""
    if _standing.pop(key, None) is None:
        return False
    event(name, **fields)
    return True


def standing(prefix: str) -> list[str]:
    return [key for key in _standing if key.startswith(prefix)]


# --- formatting -----------------------------------------------------------------------


# Characters that are not printable (controls, format characters such as bidi overrides,
# line and paragraph separators, surrogates standing for bytes that are not UTF-8): a
# value never puts one of them raw into a line.
def _needs_escape(ch: str) -> bool:
    return ch in SHORT_ESCAPES or (not ch.isprintable() and ch != " ")


def quote(value: Any) -> str:
    """A value for a key=value line: bare when plain, else in quotes with every character
    that is not printable escaped (\\x1b, \\u2028; \\xff for a byte of a file name that is
    not UTF-8)."""
    text = str(value)
    if text and text.isprintable() and not any(c in text for c in ' "=\\'):
        return text
    return '"' + "".join(escape_char(c) if _needs_escape(c) else c for c in text) + '"'


_JSON_UNSAFE = re.compile(r"[^\x20-\x7e]")


def _json_escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch.isprintable():
        return ch
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_line(body: dict[str, Any]) -> str:
    """JSON on one line: readable letters stay, anything not printable is \\u-escaped."""
    return _JSON_UNSAFE.sub(_json_escape, json.dumps(body, default=str, ensure_ascii=False))


def _trace(exc_info: Any) -> str:
    """Where runback failed: the frames and the exception's type, not its message (a
    message may quote what she entered: a note, a symptom value, a database row)."""
    etype, _value, tb = exc_info
    frames = "".join(traceback.format_list(traceback.extract_tb(tb)))
    name = getattr(etype, "__qualname__", str(etype))
    return f"Traceback (most recent call last):\n{frames}{name} (message not logged)"


class KeyValueFormatter(logging.Formatter):
    """`TIME LEVEL event=NAME key=value ...` or one JSON object; a traceback, when the
    handler keeps traces, becomes one escaped `trace` field of the same line."""

    def __init__(self, as_json: bool, with_trace: bool = True) -> None:
        super().__init__()
        self.as_json = as_json
        self.with_trace = with_trace

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = dict(getattr(record, "fields", None) or {})
        if not fields:
            fields["msg"] = record.getMessage()
        if record.exc_info and self.with_trace:
            fields["trace"] = _trace(record.exc_info)
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        level = record.levelname.lower()
        if self.as_json:
            # "severity", not "level": a field may be her training level (level=3).
            kept = {k: v for k, v in fields.items() if k not in ("time", "severity")}
            return json_line({"time": when, "severity": level, **kept})
        parts = [f"{k}={quote(v)}" for k, v in fields.items() if v is not None]
        return f"{when} {level} " + " ".join(parts)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file created readable by its owner only. When it cannot be written
    (a read-only or full disk), one line on stderr says so, not a traceback per record;
    lines are written again as soon as the folder can take them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failing = False
        self._emit_failed = False

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, self.mode.replace("w", "a"), encoding=self.encoding)

    def emit(self, record: logging.LogRecord) -> None:
        self._emit_failed = False
        super().emit(record)
        if not self._emit_failed:
            self.failing = False

    def handleError(self, record: logging.LogRecord) -> None:
        self._emit_failed = True
        if self.stream is not None:  # drop a stream in a bad state; reopened next time
            with contextlib.suppress(OSError):
                self.stream.close()
            self.stream = None
        if self.failing:
            return
        self.failing = True
        exc = sys.exc_info()[1]
        folder = Path(self.baseFilename).parent
        if isinstance(exc, OSError):
            why = FolderError.from_os(exc, folder, "write the log in").why
        else:
            why = f"{type(exc).__name__}"
        try:
            sys.stderr.write(
                f"runback: cannot write the log in {folder}: {why} "
                "(runback keeps working; the log resumes once it can be written)\n"
            )
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


def configure(
    log_dir: Path, *, as_json: bool, to_stderr: bool, max_bytes: int, backups: int
) -> logging.Logger:
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    _standing.clear()
    logger.setLevel(logging.INFO)
    logger.propagate = False
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    file_handler = PrivateRotatingFileHandler(
        log_dir / "runback.log", maxBytes=max_bytes, backupCount=backups, delay=True,
        encoding="utf-8",
    )  # fmt: skip
    file_handler.setFormatter(KeyValueFormatter(as_json))
    logger.addHandler(file_handler)
    if to_stderr:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(KeyValueFormatter(as_json, with_trace=False))
        logger.addHandler(stream)
    return logger


def close() -> None:
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
