"""`runback analyze ACTIVITY_ID`: archived files keep their own names, so a stored run is
analysed by the id `runback activities` shows, exactly as its file would be."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.entrypoints.cli import main
from tests.support.contracts import check_analyze
from tests.support.fitbuilder import FIRST_LEVEL_STEPS, ActivitySpec, build_activity
from tests.support.fitbuilder import first_level_segments as segments


def run(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--home", str(home), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def stored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    path = tmp_path / "2026-11-02-08-00-00.fit"
    spec = ActivitySpec(segments(), laps_per_segment=True, workout_steps=FIRST_LEVEL_STEPS)
    path.write_bytes(build_activity(spec))
    home = tmp_path / "home"
    code, out, _ = run(capsys, home, "ingest", str(path))
    assert code == 0
    assert "activity 1 " in out
    return home, path


def test_an_activity_id_is_analysed_as_its_file_would_be(
    stored: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    home, path = stored
    _, by_file, _ = run(capsys, home, "analyze", str(path), "--json")
    code, by_id, err = run(capsys, home, "analyze", "1", "--json")
    assert code == 0, err
    check_analyze(json.loads(by_id))
    assert json.loads(by_id) == json.loads(by_file)
    code, table, _ = run(capsys, home, "analyze", "1")
    assert code == 0
    assert table.splitlines()[-1] == "5 of 5 run intervals done"


def test_an_unknown_id_is_one_line_and_exit_2(
    stored: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    home, _ = stored
    code, out, err = run(capsys, home, "analyze", "42")
    assert (code, out) == (2, "")
    assert err == "runback: no activity 42 (and no file of that name): see runback activities\n"


def test_a_file_named_like_an_id_is_the_file(
    stored: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, path = stored
    monkeypatch.chdir(path.parent)
    Path("7").write_bytes(b"not a fit file")
    code, _, err = run(capsys, home, "analyze", "7")
    assert code == 2
    assert err.startswith("runback: 7: not a FIT file")


def test_an_id_whose_raw_file_is_gone_says_where_it_looked(
    stored: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    home, _ = stored
    for raw in (home / "raw").rglob("*.fit"):
        raw.unlink()
    code, _, err = run(capsys, home, "analyze", "1")
    assert code == 2
    assert "its FIT file is missing from" in err
    assert err.count("\n") == 1


def test_an_id_too_big_for_the_store_is_no_activity(
    stored: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    home, _ = stored
    code, _, err = run(capsys, home, "analyze", "9" * 25)
    assert code == 2
    assert err.startswith(f"runback: no activity {'9' * 25} ")
