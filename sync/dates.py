"""The dates runback takes from her: 1900-01-01 to 2100-12-31.

Nobody runs outside them, and inside them date arithmetic cannot overflow (a rest day
after 9999-12-31, the 14 days before 0001-01-01, a timezone shift at either end).
"""

from __future__ import annotations

from datetime import date

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


def out_of_range(day: date) -> str | None:
    """Why `day` cannot be used ('... is out of range (...)'), or None."""
    if EARLIEST <= day <= LATEST:
        return None
    return f"{day.isoformat()} is out of range ({EARLIEST} to {LATEST})"
