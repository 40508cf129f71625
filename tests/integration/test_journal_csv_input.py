"""Symptom CSV files as spreadsheets and editors really save them (CR, CRLF or LF line
ends, a BOM), and the ones runback must refuse (a cell over 128 KiB, a NUL byte): one
reason naming row and column, never an internal error; in the inbox the file is
quarantined with the reason and the files behind it go through."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from sync.bootstrap import App
from sync.entrypoints.worker import run_once
from sync.errors import BadInput
from sync.usecases.journal_csv import import_csv
from tests.support.fitbuilder import simple_run

TODAY = date(2026, 11, 2)
ROWS = ["date,leak,pain,note", "2026-11-01,drops,1,windy", '2026-11-02,none,0,"two\nlines"']


@pytest.fixture
def japp(make_app: Callable[..., App]) -> App:
    return make_app(today=TODAY, timezone="UTC")


@pytest.mark.parametrize(
    ("ending", "bom"),
    [("\n", b""), ("\r\n", b""), ("\r", b""), ("\r", b"\xef\xbb\xbf"), ("\r\n", b"\xef\xbb\xbf")],
    ids=["LF", "CRLF", "CR", "CR+BOM", "CRLF+BOM"],
)
def test_every_line_ending_reads_the_same(
    japp: App, tmp_path: Path, ending: str, bom: bytes
) -> None:
    sheet = tmp_path / "journal.csv"
    sheet.write_bytes(bom + ending.join(ROWS).encode() + ending.encode())
    assert import_csv(japp, sheet).added == 2
    with japp.uow() as uow:
        notes = sorted(e.entry.note or "" for e in uow.repo.entries())
    assert notes == ["two\nlines", "windy"]


def test_a_cell_over_128_kib_names_row_and_column(japp: App, tmp_path: Path) -> None:
    sheet = tmp_path / "journal.csv"
    sheet.write_text("\n".join([*ROWS[:2], "2026-11-02,none,0," + "x" * 140_000]) + "\n")
    with pytest.raises(BadInput) as caught:
        import_csv(japp, sheet)
    assert str(caught.value) == (
        "journal.csv row 3, column note: a cell longer than 131072 characters "
        "(a journal cell holds a value or a short note; nothing imported)"
    )


def test_a_quoted_cell_over_128_kib_holding_commas_names_its_column(
    japp: App, tmp_path: Path
) -> None:
    sheet = tmp_path / "journal.csv"
    sheet.write_text("note,leak,pain\n" + '"' + "a,b" * 50_000 + '",none,1\n')
    with pytest.raises(BadInput, match=r"journal\.csv row 2, column note: a cell longer"):
        import_csv(japp, sheet)


def test_a_nul_byte_is_refused_naming_row_and_column_without_the_value(
    japp: App, tmp_path: Path
) -> None:
    sheet = tmp_path / "journal.csv"
    sheet.write_bytes(b"date,leak,pain,note\n2026-11-01,drops,1,secret\x00note\n")
    with pytest.raises(BadInput) as caught:
        import_csv(japp, sheet)
    assert str(caught.value) == (
        "journal.csv row 2, column note: holds a NUL byte (0x00), which no journal value "
        "has (nothing imported)"
    )
    assert "secret" not in str(caught.value)
    sheet.write_bytes(sheet.read_bytes() + b"2026-11-02,none,0,fine\n")
    report = import_csv(japp, sheet, skip_bad=True)
    assert (report.added, len(report.skipped)) == (1, 1)


def test_a_nul_byte_in_the_header_is_shown_escaped(japp: App, tmp_path: Path) -> None:
    sheet = tmp_path / "journal.csv"
    sheet.write_bytes(b"date,le\x00ak\n2026-11-01,drops\n")
    with pytest.raises(BadInput) as caught:
        import_csv(japp, sheet)
    assert "unknown column 'le\\x00ak'" in str(caught.value)
    assert "\x00" not in str(caught.value)


def test_the_inbox_quarantines_unreadable_journals_and_takes_the_files_behind_them(
    japp: App,
) -> None:
    inbox = japp.settings.inbox
    (inbox / "a-cr.csv").write_bytes(b"date,leak\r2026-11-01,drops\r")
    (inbox / "b-big.csv").write_text("date,leak,note\n2026-11-01,drops," + "x" * 140_000 + "\n")
    (inbox / "c-nul.csv").write_bytes(b"date,leak,note\n2026-11-01,drops,a\x00b\n")
    (inbox / "d-run.fit").write_bytes(simple_run(20))
    old = time.time() - 60
    for path in inbox.iterdir():
        os.utime(path, (old, old))
    results = {r.file: r.state for r in run_once(japp)}
    assert results == {
        "a-cr.csv": "imported",
        "b-big.csv": "refused-journal",
        "c-nul.csv": "refused-journal",
        "d-run.fit": "ingested",
    }
    assert sorted(p.name for p in inbox.iterdir()) == []
    assert sorted(p.name for p in japp.settings.archive.iterdir()) == ["a-cr.csv", "d-run.fit"]
    quarantine = japp.settings.quarantine
    assert "row 2, column note: a cell longer than 131072" in (
        (quarantine / "b-big.csv.reason.txt").read_text()
    )
    assert "row 2, column note: holds a NUL byte" in (
        (quarantine / "c-nul.csv.reason.txt").read_text()
    )


def test_a_column_given_twice_is_refused_so_no_value_is_lost(tmp_path: Path) -> None:
    from sync.usecases.journal_csv import read_csv

    sheet = tmp_path / "twice.csv"
    sheet.write_text("date,leak,bowel,Bowel,bleeding\n2026-04-09,none,leak,,yes\n")
    with pytest.raises(BadInput, match="the column 'bowel' appears twice"):
        read_csv(sheet)


@pytest.mark.parametrize("said", ["no", "None", " n ", ""])
def test_bowel_no_or_none_is_nothing(said: str) -> None:
    from datetime import date

    from sync.usecases.journal_values import parse_fields

    entry, _ = parse_fields({"leak": "none", "bowel": said}, date(2026, 4, 9))
    assert entry.bowel is None
