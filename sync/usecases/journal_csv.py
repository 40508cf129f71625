"""A symptom journal from a CSV file (the inbox's or `runback symptoms import`): read
whole or refused with the row and column that is wrong, then recorded like typed entries."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rules.symptoms import EntryError, SymptomEntry
from sync import logs
from sync.adapters.reading import read_file
from sync.errors import BadInput
from sync.usecases.journal import already_recorded, decide_again, entry_key, resolve
from sync.usecases.journal_values import (
    ENTRY_COLUMNS,
    column_name,
    no_value,
    not_future_entry,
    parse_fields,
)

if TYPE_CHECKING:  # types only: the option checks run before the database is opened
    from sync.bootstrap import App


# A journal of a run a day for thirty years is under a megabyte; a file this big is not one.
MAX_JOURNAL_BYTES = 8_000_000


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
                not_future_entry(entry.on, today)
                entry, _ = resolve(uow, entry, activity_id, app)
            except EntryError as exc:
                # Named by row and column, never quoting the value: a cell is health data
                # and stderr goes to journals, cron mail and container logs.
                problem = f"{path.name} row {number}, column {exc.name}: {no_value(exc.message)}"
                if not skip_bad:
                    raise BadInput(problem + " (nothing imported)") from None
                skipped.append(problem)
                continue
            good.append(entry)
        added = already = 0
        seen: set[str] = set()
        for entry in good:
            key = entry_key(entry)
            if key in seen or already_recorded(uow, entry, key) is not None:
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
        decide_again(app)
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
        raw = read_file(path)
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
    columns = [column_name(h) for h in header]
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
