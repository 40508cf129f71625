"""Errors of the sync package. Each carries the data a person needs to act on it;
only the entry points (CLI, worker) choose exit codes and wording around them."""

from __future__ import annotations


class RunbackError(Exception):
    """Base of every error runback raises on purpose."""


class BadInput(RunbackError):
    """Something the user gave (a path, an option, a setting) cannot be used."""


class ConfigError(BadInput):
    """A settings file or value is invalid; the message names the key."""


class FitFileError(RunbackError):
    """A FIT file that runback cannot take, with a reason a person understands."""

    def __init__(self, reason: str, path: str | None = None) -> None:
        self.reason = reason
        self.path = path
        super().__init__(f"{path}: {reason}" if path else reason)


class StoreError(RunbackError):
    """The database is unreachable or not in a state runback can use."""
