"""Her values as she types them or a CSV holds them: read, checked and refused with a
reason that names the option or column, before anything is stored. No database here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from rules.symptoms import EntryError, SymptomEntry
from rules.workout import SpecError, parse_duration
from sync.dates import out_of_range
from sync.errors import BadInput

# The options of `runback symptoms log`, which are also the CSV columns.
ENTRY_COLUMNS = (
    "date", "activity", "leak", "leak-at", "heaviness", "pain", "pain-next-day", "bleeding",
    "rpe", "fatigue", "breathing", "fluid-ml", "slept-h", "urgency", "bowel", "note",
)  # fmt: skip


_TRUE = {"yes", "y", "true", "1", "x"}


_FALSE = {"no", "n", "false", "0", ""}


MAX_BIRTH_AGE_DAYS = 10 * 366


def parse_fields(fields: Mapping[str, str | None], today: date) -> tuple[SymptomEntry, int | None]:
    """Text values by option name -> an entry (date still to resolve) and an activity id.

    Raises EntryError naming the option/column. A missing date means today.
    """
    unknown = sorted(set(fields) - set(ENTRY_COLUMNS))
    if unknown:
        raise EntryError(unknown[0], f"unknown (known: {', '.join(ENTRY_COLUMNS)})")
    for name, value in fields.items():
        plain_text(name, value)
    text = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    on = parse_date("date", text.get("date")) if text.get("date") else today
    activity = parse_int("activity", text.get("activity"), 1, 2**31 - 1)
    if text.get("date") and activity is not None:
        raise EntryError("activity", "give --activity or --date, not both")
    leak = (text.get("leak") or "").lower()
    if not leak:
        raise EntryError("leak", "is required (none, drops or leak)")
    leak_at = None
    if text.get("leak-at"):
        try:
            leak_at = parse_duration(str(text["leak-at"]))
        except (SpecError, ValueError):
            raise EntryError(
                "leak-at", f"'{text['leak-at']}' is not a time on the watch (use M:SS)"
            ) from None
    entry = SymptomEntry(
        on=on,
        leak=leak,
        leak_at_s=leak_at,
        heaviness=parse_int("heaviness", text.get("heaviness"), None, None),
        pain=parse_int("pain", text.get("pain"), None, None),
        pain_next_day=parse_bool("pain-next-day", text.get("pain-next-day")),
        bleeding=parse_bool("bleeding", text.get("bleeding")),
        rpe=parse_int("rpe", text.get("rpe"), None, None),
        fatigue=parse_int("fatigue", text.get("fatigue"), None, None),
        breathing=(text.get("breathing") or "").lower() or None,
        fluid_ml=parse_int("fluid-ml", text.get("fluid-ml"), None, None),
        slept_h=parse_float("slept-h", text.get("slept-h")),
        urgency=parse_bool("urgency", text.get("urgency")),
        bowel=parse_bowel(text.get("bowel")),
        note=text.get("note") or None,
    )
    return entry, activity


def check_fields(fields: Mapping[str, str | None]) -> None:
    """Refuse an entry whose options are wrong in themselves (a pain of 11, a leak time
    that is no time), before anything is opened; BadInput names the option. What needs
    the store (the run it belongs to, a date not in the future) is checked on recording."""
    try:
        parse_fields(fields, date.today())
    except EntryError as exc:
        raise BadInput(f"--{exc.name}: {exc.message}") from None


_CELL_REASON = re.compile(r"(.*? row \d+, column [^:]+): ")


def public_reason(reason: str) -> str:
    """A refused journal's reason without what may quote a symptom value: a cell's row and
    column stay, its problem (e.g. 'must be 0-10, got 12') is left to the quarantine note."""
    cell = _CELL_REASON.match(reason)
    if cell is None:
        return reason  # about the file as a whole (encoding, header, size): no values
    return f"{cell[1]}: refused (the reason is in the .reason.txt note in quarantine/)"


def parse_bowel(value: str | None) -> str | None:
    """leak | urgency; empty, none or no (as a spreadsheet says it) is nothing."""
    text = (value or "").strip().lower()
    return None if text in ("", "none", "no", "n", "0", "false") else text


def column_name(header: str) -> str:
    return header.strip().lower().replace("_", "-").removeprefix("--")


def no_value(message: str) -> str:
    """A validation message without the value it quotes ('x' is not ...; ..., got x)."""
    text = re.sub(r"'[^']*'", "the value", message)
    return re.sub(r",? got .*$", "", text).strip()


def plain_text(name: str, value: str | None) -> None:
    """Refuse what no journal value holds and a database cannot store, without echoing it:
    a NUL byte (PostgreSQL text cannot hold one), or bytes that are not UTF-8 (a terminal
    in another encoding passes them through as lone surrogates)."""
    if not isinstance(value, str):
        return
    if "\x00" in value:
        raise EntryError(name, "holds a NUL byte (0x00), which no journal value has")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise EntryError(name, "is not UTF-8 text (check the terminal's encoding)") from None


def parse_date(name: str, value: str | None) -> date:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise EntryError(name, f"'{value}' is not a date (YYYY-MM-DD)") from None
    problem = out_of_range(day)
    if problem:
        raise EntryError(name, problem)
    return day


def parse_int(name: str, value: str | None, low: int | None, high: int | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise EntryError(name, f"'{value}' is not a whole number") from None
    if low is not None and high is not None and not low <= number <= high:
        raise EntryError(name, f"must be {low}-{high}, got {number}")
    return number


def parse_float(name: str, value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        raise EntryError(name, f"'{value}' is not a number") from None


def parse_bool(name: str, value: str | bool | None) -> bool:
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise EntryError(name, f"'{value}' is not yes or no")


def not_future(option: str, day: date, today: date) -> None:
    if day > today:
        raise BadInput(f"{option}: {day} is in the future (today is {today})")


def not_future_entry(day: date, today: date) -> None:
    if day > today:
        raise EntryError("date", f"{day} is in the future (today is {today})")


def iso_day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
