"""What every `runback` command shares: its exit codes and its one-line error."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


EXIT_OK = 0


EXIT_FAILURE = 1  # anything else


EXIT_BAD_INPUT = 2  # what she gave cannot be used


EXIT_TERMINATED = 128 + 15  # SIGTERM, as a shell reports a process it ended


def fail(message: str, code: int) -> int:
    print(f"runback: {message}", file=sys.stderr)
    return code
