"""Sync-status log lines: one line per event, `key=value` (or JSON with --log-json).

Lines say what was synced and decided, never symptom details or credentials: callers
pass only file names, ids, states, dates and reasons about files.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOGGER_NAME = "runback"


class KeyValueFormatter(logging.Formatter):
    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "fields", None) or {"msg": record.getMessage()}
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.as_json:
            body = {"time": when, "level": record.levelname.lower(), **fields}
            line = json.dumps(body, default=str, ensure_ascii=False)
        else:
            parts = [f"{k}={_quote(v)}" for k, v in fields.items() if v is not None]
            line = f"{when} {record.levelname.lower()} " + " ".join(parts)
        if record.exc_info and not self.as_json:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _quote(value: Any) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' "=\n\t'):
        return json.dumps(text, ensure_ascii=False)
    return text


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file created readable by its owner only."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, self.mode.replace("w", "a"), encoding=self.encoding)


def configure(
    log_dir: Path, *, as_json: bool, to_stderr: bool, max_bytes: int, backups: int
) -> logging.Logger:
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(logging.INFO)
    logger.propagate = False
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    file_handler = PrivateRotatingFileHandler(
        log_dir / "runback.log", maxBytes=max_bytes, backupCount=backups, delay=True
    )
    formatter = KeyValueFormatter(as_json)
    file_handler.setFormatter(formatter)
    logger.addHandler(file_handler)
    if to_stderr:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(formatter)
        logger.addHandler(stream)
    return logger


def event(name: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log one sync-status line: event=NAME key=value ..."""
    logging.getLogger(LOGGER_NAME).log(level, name, extra={"fields": {"event": name, **fields}})


def close() -> None:
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
