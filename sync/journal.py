"""Use cases for her journal: profile, readiness test, symptom entries (one at a time or
from a CSV file), and the views of them. Shared by the CLI and the worker.

Values arrive as text (options or CSV cells) and are parsed in one place, so a bad value
gets the same one-line reason whichever way it came, naming the option or column.
Symptom details are health data: log lines say only that an entry was recorded.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rules.profile import (
    READINESS_SYMPTOMS,
    Profile,
    Readiness,
    ReadinessLog,
    parse_items,
    readiness,
)
from rules.symptoms import EntryError, SymptomEntry, link_leak
from rules.workout import SpecError, parse_duration
from sync import logs
from sync.dates import out_of_range
from sync.errors import BadInput
from sync.formatting import clock

if TYPE_CHECKING:  # types only: the option checks run before the database is opened
    from sync.bootstrap import App
    from sync.store.repository import StoredActivity, UnitOfWork

# The options of `runback symptoms log`, which are also the CSV columns.
ENTRY_COLUMNS = (
    "date", "activity", "leak", "leak-at", "heaviness", "pain", "pain-next-day", "bleeding",
    "rpe", "fatigue", "breathing", "fluid-ml", "slept-h", "urgency", "bowel", "note",
)  # fmt: skip
_TRUE = {"yes", "y", "true", "1", "x"}
# A journal of a run a day for thirty years is under a megabyte; a file this big is not one.
MAX_JOURNAL_BYTES = 8_000_000
_FALSE = {"no", "n", "false", "0", ""}
MAX_BIRTH_AGE_DAYS = 10 * 366


# --- profile and readiness ----------------------------------------------------------------


@dataclass(frozen=True)
class ProfileView:
    profile: Profile | None
    readiness: Readiness
    today: date

    def as_json(self) -> dict[str, Any]:
        p = self.profile or Profile()
        weeks = p.weeks_postpartum(self.today)
        r = self.readiness
        return {
            "birth_date": _day(p.birth_date),
            "delivery": p.delivery,
            "weeks_postpartum": None if weeks is None else round(weeks, 1),
            "clearances": [d.isoformat() for d in p.clearances],
            "cleared": p.latest_clearance(self.today) is not None,
            "readiness": {
                "passed": r.passed,
                "passed_on": _day(r.passed_on),
                "items": r.items,
                "missing": r.missing,
                "strength": r.strength,
            },
        }


def set_profile(
    app: App,
    *,
    birth_date: date | None = None,
    delivery: str | None = None,
    cleared_on: date | None = None,
) -> ProfileView:
    if birth_date is None and delivery is None and cleared_on is None:
        raise BadInput("profile set: give at least one of --birth-date, --delivery, --cleared-on")
    today = app.today()
    if birth_date is not None:
        _not_future("--birth-date", birth_date, today)
        if (today - birth_date).days > MAX_BIRTH_AGE_DAYS:
            raise BadInput(
                f"--birth-date: {birth_date} is more than 10 years ago "
                "(it is the day the baby was born)"
            )
    if delivery is not None and delivery not in ("vaginal", "cesarean"):
        raise BadInput(f"--delivery: must be vaginal or cesarean, got '{delivery}'")
    with app.uow() as uow:
        current = uow.repo.profile() or Profile()
        born = birth_date or current.birth_date
        if cleared_on is not None:
            _not_future("--cleared-on", cleared_on, today)
            if born is not None and cleared_on < born:
                raise BadInput(
                    f"--cleared-on: {cleared_on} is before the birth ({born}); "
                    "a return-to-running clearance comes after it"
                )
        if born is not None and current.clearances and current.clearances[0] < born:
            raise BadInput(
                f"--birth-date: {born} is after the clearance of {current.clearances[0]}"
            )
        if birth_date is not None or delivery is not None:
            uow.repo.set_profile(birth_date=birth_date, delivery=delivery, at=app.clock())
        if cleared_on is not None:
            uow.repo.add_clearance(cleared_on, app.clock())
        uow.commit()
    logs.event("profile-updated")
    _decide_again(app)
    return profile_view(app)


def profile_view(app: App) -> ProfileView:
    with app.uow() as uow:
        profile = uow.repo.profile()
        sittings = uow.repo.readiness_logs()
    return ProfileView(profile, readiness(sittings), app.today())


def log_readiness(
    app: App, on: date, passed: str | None, failed: str | None, symptoms: str | None
) -> Readiness:
    if not passed and not failed:
        raise BadInput("readiness log: give --passed ITEMS, --failed ITEMS or both")
    _not_future("--date", on, app.today())
    try:
        passed_items = parse_items(passed) if passed else frozenset()
    except ValueError as exc:
        raise BadInput(f"--passed: {exc}") from None
    try:
        failed_items = parse_items(failed) if failed else frozenset()
    except ValueError as exc:
        raise BadInput(f"--failed: {exc}") from None
    found = frozenset(p.strip().lower() for p in (symptoms or "").split(",") if p.strip())
    unknown = sorted(found - set(READINESS_SYMPTOMS))
    if unknown:
        raise BadInput(f"--symptoms: unknown '{unknown[0]}' (use {','.join(READINESS_SYMPTOMS)})")
    try:
        sitting = ReadinessLog(on, passed_items, failed_items, found)
    except ValueError as exc:
        raise BadInput(f"readiness log: {exc}") from None
    with app.uow() as uow:
        uow.repo.add_readiness(sitting, app.clock())
        result = readiness(uow.repo.readiness_logs())
        uow.commit()
    logs.event("readiness-logged", passed=result.passed)
    _decide_again(app)
    return result


# --- symptom entries ------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    entry: SymptomEntry
    entry_id: int
    duplicate: bool
    activity: StoredActivity | None


def parse_fields(fields: Mapping[str, str | None], today: date) -> tuple[SymptomEntry, int | None]:
    """Text values by option name -> an entry (date still to resolve) and an activity id.

    Raises EntryError naming the option/column. A missing date means today.
    """
    unknown = sorted(set(fields) - set(ENTRY_COLUMNS))
    if unknown:
        raise EntryError(unknown[0], f"unknown (known: {', '.join(ENTRY_COLUMNS)})")
    for name, value in fields.items():
        _plain_text(name, value)
    text = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    on = _parse_date("date", text.get("date")) if text.get("date") else today
    activity = _parse_int("activity", text.get("activity"), 1, 2**31 - 1)
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
        heaviness=_parse_int("heaviness", text.get("heaviness"), None, None),
        pain=_parse_int("pain", text.get("pain"), None, None),
        pain_next_day=_parse_bool("pain-next-day", text.get("pain-next-day")),
        bleeding=_parse_bool("bleeding", text.get("bleeding")),
        rpe=_parse_int("rpe", text.get("rpe"), None, None),
        fatigue=_parse_int("fatigue", text.get("fatigue"), None, None),
        breathing=(text.get("breathing") or "").lower() or None,
        fluid_ml=_parse_int("fluid-ml", text.get("fluid-ml"), None, None),
        slept_h=_parse_float("slept-h", text.get("slept-h")),
        urgency=_parse_bool("urgency", text.get("urgency")),
        bowel=_bowel(text.get("bowel")),
        note=text.get("note") or None,
    )
    return entry, activity


def resolve(
    uow: UnitOfWork, entry: SymptomEntry, activity_id: int | None, app: App
) -> tuple[SymptomEntry, StoredActivity | None]:
    """Tie an entry to its run (the given id, else the last run of that local date) and,
    through the stored match, to the step where leaking started."""
    if activity_id is not None:
        run = uow.repo.activity(activity_id)
        if run is None:
            raise EntryError("activity", f"no activity {activity_id} (see 'runback activities')")
        entry = replace(entry, on=run.start.astimezone(app.settings.tz()).date())
        _not_future_entry(entry.on, app.today())
    else:
        tz = app.settings.tz()
        since = datetime.combine(entry.on, time(0), tz)
        runs = uow.repo.activities(since=since, until=since + timedelta(days=1))
        run = runs[-1] if runs else None
    if run is None:
        if entry.leak_at_s is not None:
            raise EntryError(
                "leak-at", f"there is no run on {entry.on} to place it in (a day entry has none)"
            )
        return replace(entry, activity_id=None), None
    entry = replace(entry, activity_id=run.id)
    if entry.leak_at_s is not None:
        if entry.leak_at_s > run.timer_s:
            raise EntryError(
                "leak-at",
                f"{clock(entry.leak_at_s)} is past the end of the run "
                f"(activity {run.id}: {clock(run.timer_s)} on the timer)",
            )
        stored = uow.repo.match_of(run.id)
        point = link_leak(
            entry.leak_at_s,
            run.start,
            uow.repo.pauses(run.id),
            stored.intervals if stored else (),
            uow.repo.bouts(run.id),
        )
        entry = replace(entry, leak_point=point)
    return entry, run


def check_fields(fields: Mapping[str, str | None]) -> None:
    """Refuse an entry whose options are wrong in themselves (a pain of 11, a leak time
    that is no time), before anything is opened; BadInput names the option. What needs
    the store (the run it belongs to, a date not in the future) is checked on recording."""
    try:
        parse_fields(fields, date.today())
    except EntryError as exc:
        raise BadInput(f"--{exc.name}: {exc.message}") from None


def record_entry(app: App, fields: Mapping[str, str | None], source: str = "cli") -> Recorded:
    """Validate, link and store one entry; the same entry twice is stored once."""
    try:
        entry, activity_id = parse_fields(fields, app.today())
        _not_future_entry(entry.on, app.today())
        with app.uow() as uow:
            entry, run = resolve(uow, entry, activity_id, app)
            key = entry_key(entry)
            existing = _already(uow, entry, key)
            if existing is not None:
                return Recorded(entry, existing, True, run)
            new_id = uow.repo.add_entry(entry, source=source, key=key, at=app.clock())
            uow.commit()
            if new_id is None:  # the same entry, recorded by another process just now
                stored = uow.repo.entry_id_by_key(key)
                assert stored is not None, "the insert met this very entry"
                return Recorded(entry, stored, True, run)
    except EntryError as exc:
        raise BadInput(f"--{exc.name}: {exc.message}") from None
    logs.event("symptoms-recorded", entry=new_id, source=source)
    _decide_again(app)
    return Recorded(entry, new_id, False, run)


@dataclass(frozen=True)
class ImportReport:
    added: int
    already: int
    skipped: list[str]


def import_csv(
    app: App, path: Path, *, skip_bad: bool = False, source: str = "csv"
) -> ImportReport:
    """Import a symptom CSV (columns named like the options). All or nothing unless
    `skip_bad`; rows already recorded are not added again."""
    rows = read_csv(path)
    today = app.today()
    good: list[SymptomEntry] = []
    skipped: list[str] = []
    with app.uow() as uow:
        for number, fields in rows:
            try:
                entry, activity_id = parse_fields(fields, today)
                _not_future_entry(entry.on, today)
                entry, _ = resolve(uow, entry, activity_id, app)
            except EntryError as exc:
                # Named by row and column, never quoting the value: a cell is health data
                # and stderr goes to journals, cron mail and container logs.
                problem = f"{path.name} row {number}, column {exc.name}: {_no_value(exc.message)}"
                if not skip_bad:
                    raise BadInput(problem + " (nothing imported)") from None
                skipped.append(problem)
                continue
            good.append(entry)
        added = already = 0
        seen: set[str] = set()
        for entry in good:
            key = entry_key(entry)
            if key in seen or _already(uow, entry, key) is not None:
                already += 1
                continue
            seen.add(key)
            if uow.repo.add_entry(entry, source=source, key=key, at=app.clock()) is None:
                already += 1  # imported by another process just now
                continue
            added += 1
        uow.commit()
    logs.event(
        "symptoms-imported", file=path.name, added=added, already=already, skipped=len(skipped)
    )
    if added:
        _decide_again(app)
    return ImportReport(added, already, skipped)


def read_csv(path: Path) -> list[tuple[int, dict[str, str | None]]]:
    """(spreadsheet row number, values by column) for each data row; the header is row 1.

    UTF-8 with or without a BOM, rows ended by LF, CRLF or a lone CR (old Mac exports);
    anything else is refused with BadInput naming the row and column.
    """
    try:
        size = path.stat().st_size
        if size > MAX_JOURNAL_BYTES:
            raise BadInput(
                f"{path.name}: {size / 1e6:.1f} MB is not a symptom journal "
                f"(at most {MAX_JOURNAL_BYTES // 1_000_000} MB; split it)"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{path.name}: not UTF-8 text (save the sheet as CSV UTF-8)") from None
    sample = text[:4096]
    try:
        dialect: Any = (
            csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
        )
    except csv.Error:
        dialect = csv.excel
    # newline="": rows end at LF, CRLF or CR, and the csv module keeps newlines in quotes.
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    read = _Progress()
    try:
        return _rows(path.name, reader, read)
    except csv.Error as exc:
        raise BadInput(_unreadable(path.name, text, dialect, read, exc)) from None


@dataclass
class _Progress:
    """How far the csv reader got: records read and physical lines they took."""

    records: int = 0
    lines: int = 0
    columns: tuple[str, ...] = ()


def _rows(name: str, reader: Any, read: _Progress) -> list[tuple[int, dict[str, str | None]]]:
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput(f"{name}: empty file (expected a header row)") from None
    read.records, read.lines = 1, reader.line_num
    columns = [_column_name(h) for h in header]
    read.columns = tuple(columns)
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in ENTRY_COLUMNS]
    if unknown:
        raise BadInput(
            f"{name} row 1: unknown column {_shown(unknown[0])} (known: {', '.join(ENTRY_COLUMNS)})"
        )
    twice = next((c for i, c in enumerate(columns) if c in columns[:i]), None)
    if twice is not None:
        raise BadInput(
            f"{name} row 1: the column '{twice}' appears twice (one of them would be lost)"
        )
    if "leak" not in columns:
        raise BadInput(f"{name} row 1: the column 'leak' is required")
    rows: list[tuple[int, dict[str, str | None]]] = []
    for number, values in enumerate(reader, start=2):
        read.records, read.lines = number, reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(columns):
            raise BadInput(f"{name} row {number}: {len(values)} cells but {len(columns)} columns")
        cells: dict[str, str | None] = dict(zip(columns, values, strict=False))
        rows.append((number, cells))
    return rows


def _unreadable(name: str, text: str, dialect: Any, read: _Progress, exc: csv.Error) -> str:
    """Which row and column the csv reader stopped at, and why, in words."""
    lines = io.StringIO(text, newline="").readlines()
    record = "".join(lines[read.lines : read.lines + 1 + _quoted_lines(lines, read.lines)])
    limit = csv.field_size_limit()
    index = _cell_index(record, dialect.delimiter, dialect.quotechar or '"', limit)
    column = read.columns[index] if index < len(read.columns) and read.records else f"{index + 1}"
    where = f"{name} row {read.records + 1}, column {column}"
    if "field larger than field limit" in str(exc):
        return (
            f"{where}: a cell longer than {limit} characters "
            "(a journal cell holds a value or a short note; nothing imported)"
        )
    return f"{where}: not readable as CSV ({_escaped(str(exc))}; nothing imported)"


def _quoted_lines(lines: list[str], start: int) -> int:
    """Physical lines after `start` that belong to the same record (open quotes)."""
    taken, quotes = 0, lines[start].count('"') if start < len(lines) else 0
    while quotes % 2 and start + taken + 1 < len(lines):
        taken += 1
        quotes += lines[start + taken].count('"')
    return taken


def _cell_index(record: str, delimiter: str, quote: str, limit: int) -> int:
    """The 0-based cell of `record` that grows past `limit`, else the last one reached."""
    index = size = 0
    quoted = False
    for ch in record:
        if ch == quote:
            quoted = not quoted
        elif ch == delimiter and not quoted:
            index, size = index + 1, 0
            continue
        size += 1
        if size > limit:
            break
    return index


def _shown(text: str) -> str:
    """Text quoted for an error line, control characters escaped (never raw on a terminal)."""
    return f"'{_escaped(text)}'"


def _escaped(text: str) -> str:
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


_CELL_REASON = re.compile(r"(.*? row \d+, column [^:]+): ")


def public_reason(reason: str) -> str:
    """A refused journal's reason without what may quote a symptom value: a cell's row and
    column stay, its problem (e.g. 'must be 0-10, got 12') is left to the quarantine note."""
    cell = _CELL_REASON.match(reason)
    if cell is None:
        return reason  # about the file as a whole (encoding, header, size): no values
    return f"{cell[1]}: refused (the reason is in the .reason.txt note in quarantine/)"


def _bowel(value: str | None) -> str | None:
    """leak | urgency; empty, none or no (as a spreadsheet says it) is nothing."""
    text = (value or "").strip().lower()
    return None if text in ("", "none", "no", "n", "0", "false") else text


def _column_name(header: str) -> str:
    return header.strip().lower().replace("_", "-").removeprefix("--")


def _no_value(message: str) -> str:
    """A validation message without the value it quotes ('x' is not ...; ..., got x)."""
    text = re.sub(r"'[^']*'", "the value", message)
    return re.sub(r",? got .*$", "", text).strip()


def _already(uow: UnitOfWork, entry: SymptomEntry, key: str) -> int | None:
    """The stored entry with these values: under this key, or recorded for the day before
    its run arrived (and tied to the run since), under the key without the run."""
    found = uow.repo.entry_id_by_key(key)
    if found is None and entry.activity_id is not None and entry.leak_at_s is None:
        found = uow.repo.entry_id_by_key(entry_key(replace(entry, activity_id=None)))
    return found


def entry_key(entry: SymptomEntry) -> str:
    """The identity of an entry: the same values on the same run are the same entry."""
    parts = [
        entry.on.isoformat(), entry.activity_id, entry.leak, entry.leak_at_s, entry.heaviness,
        entry.pain, entry.pain_next_day, entry.bleeding, entry.rpe, entry.fatigue,
        entry.breathing, entry.fluid_ml, entry.slept_h, entry.note,
    ]  # fmt: skip
    if entry.urgency or entry.bowel:  # entries from before these fields keep their key
        parts += [entry.urgency, entry.bowel]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _decide_again(app: App) -> None:
    """An input of the next decision changed: decide again (stored only if it differs)."""
    from sync.planning import refresh

    refresh(app)


# --- views -----------------------------------------------------------------------------------


def entry_json(entry_id: int, entry: SymptomEntry, source: str) -> dict[str, Any]:
    point = entry.leak_point
    return {
        "id": entry_id,
        "date": entry.on.isoformat(),
        "activity": entry.activity_id,
        "leak": entry.leak,
        "leak_at_s": entry.leak_at_s,
        "heaviness": entry.heaviness,
        "pain": entry.pain,
        "pain_next_day": entry.pain_next_day,
        "bleeding": entry.bleeding,
        "rpe": entry.rpe,
        "fatigue": entry.fatigue,
        "breathing": entry.breathing,
        "fluid_ml": entry.fluid_ml,
        "slept_h": entry.slept_h,
        "urgency": entry.urgency,
        "bowel": entry.bowel,
        "note": entry.note,
        "source": source,
        "leak_onset": None
        if point is None
        else {
            "interval": point.interval_index,
            "run_interval": point.run_number,
            "interval_kind": point.interval_kind,
            "into_interval_s": point.into_interval_s,
            "run_s_before": point.run_s_before,
        },
    }


def describe_leak(entry: SymptomEntry) -> str:
    """What follows 'leaking from': 'run interval 3 at 0:20 (1:20 of running before)', or
    '34:59 on the timer (...)' when it is in no step of the plan, or ''."""
    p = entry.leak_point
    if p is None:
        return ""
    before = f"{clock(p.run_s_before)} of running before"
    if p.interval_index is None or p.into_interval_s is None:
        return f"{clock(entry.leak_at_s or 0)} on the timer ({before})"
    where = (
        f"run interval {p.run_number}"
        if p.run_number is not None
        else f"step {p.interval_index} (walk)"
    )
    return f"{where} at {clock(p.into_interval_s)} ({before})"


# --- small parsers ---------------------------------------------------------------------------


def _plain_text(name: str, value: str | None) -> None:
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


def _parse_date(name: str, value: str | None) -> date:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise EntryError(name, f"'{value}' is not a date (YYYY-MM-DD)") from None
    problem = out_of_range(day)
    if problem:
        raise EntryError(name, problem)
    return day


def _parse_int(name: str, value: str | None, low: int | None, high: int | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise EntryError(name, f"'{value}' is not a whole number") from None
    if low is not None and high is not None and not low <= number <= high:
        raise EntryError(name, f"must be {low}-{high}, got {number}")
    return number


def _parse_float(name: str, value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        raise EntryError(name, f"'{value}' is not a number") from None


def _parse_bool(name: str, value: str | bool | None) -> bool:
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise EntryError(name, f"'{value}' is not yes or no")


def _not_future(option: str, day: date, today: date) -> None:
    if day > today:
        raise BadInput(f"{option}: {day} is in the future (today is {today})")


def _not_future_entry(day: date, today: date) -> None:
    if day > today:
        raise EntryError("date", f"{day} is in the future (today is {today})")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def entries_view(app: App) -> list[tuple[int, SymptomEntry, str]]:
    with app.uow() as uow:
        return [(e.id, e.entry, e.source) for e in uow.repo.entries()]
