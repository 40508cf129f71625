"""The progress report: self-contained, and readable at phone width with a real history.

Half a year of her programme crossing New Year, with her watch's runs from before the
birth, is played through the service layer (tests/support/history.py), written as the
report and rendered in headless Chromium at 390 px (Debian's package; .ci/run installs
it, elsewhere those tests skip). What a person sees is checked in the screenshot: every
chart is drawn, and each row of labels shows as many separate words as it has labels
(two labels run into each other show as one), none cut at the edge, at a size she can
read.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sync.bootstrap import bootstrap
from sync.settings import load_settings
from sync.usecases import ingest
from sync.usecases.journal import log_readiness, record_entry, set_profile
from sync.usecases.planning import refresh
from sync.usecases.report import COLORS, build, write
from sync.usecases.report_svg import FONT, PAD, W
from tests.support import history
from tests.support.fitbuilder import follow

SPEC = "walk 5m, 5x(run 30s, walk 4m30s), walk 5m"
PHONE_W = 390
SCALE = (PHONE_W - 24) / W  # main's padding is 12 px a side; the SVG is 100 % wide


@pytest.fixture
def report(make_app: Callable[..., Any], tmp_path: Path) -> Path:
    app = make_app(today=date(2026, 9, 20), timezone="UTC")
    set_profile(app, birth_date=date(2026, 6, 1), cleared_on=date(2026, 8, 24))
    log_readiness(app, date(2026, 8, 25), "all", None, None)
    for i in range(6):
        day = date(2026, 8, 25) + timedelta(days=3 * i)
        start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=7)
        data = follow(SPEC, start, serial=800 + i, run_for={3: 18} if i == 2 else None)
        ingest.ingest_bytes(app, data, file_name=f"{day}.fit", source="inbox")
        fields = {"date": day.isoformat(), "leak": "leak" if i == 4 else "none"}
        if i == 4:
            fields["leak-at"] = "15:20"
        record_entry(app, fields)
    refresh(app)
    return write(app, tmp_path / "report.html")


def test_the_report_is_one_file_that_sends_nothing_anywhere(report: Path) -> None:
    text = report.read_text()
    assert text.startswith("<!doctype html>")
    assert "width=device-width" in text
    assert not re.search(r"(src|href)\s*=", text), "no external resources"
    assert "http" not in text
    assert "<script" not in text
    assert text.count("<svg") == 3
    assert "Decisions and why" in text
    assert "6 of 10" not in text  # compliance is by week, in words: 29 of 30 and so on


# --- half a year -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    home = tmp_path_factory.mktemp("season") / "home"
    app = bootstrap(load_settings(home=home, timezone="UTC"))
    played = history.play(app)
    assert played["runs"] > 70
    yield app, build(app)
    app.close()


def test_the_season_report_reads_as_her_half_year(season: tuple[Any, str]) -> None:
    _app, page = season
    assert "from 24 Nov 2025 to 23 May 2026" in page
    assert "4 runs from before the birth (1 Sep 2025) are kept but not shown" in page
    drawn_days = re.findall(r"\d{1,2} [A-Z][a-z]{2}(?: \d{4})?", page)
    assert drawn_days
    for old in ("2014", "2019", "2024", "Jun 2025", "May 2025"):
        assert not any(old in day for day in drawn_days), old  # her watch's history
    assert "5 Jan 2026" in page  # the year where it changes
    assert re.search(r">\d+ of \d+<", page)
    # Every duration a person reads is m:ss, never seconds.
    assert not re.search(r">\d{3,}<", page)
    summaries = re.findall(r"<summary>(.*?)</summary>", page)
    assert len(summaries) == len(set(summaries)), "each decision once"


def test_the_leak_chart_only_has_leaks_placed_in_run_intervals(season: tuple[Any, str]) -> None:
    app, page = season
    with app.uow() as uow:
        in_runs = {
            e.entry.activity_id
            for e in uow.repo.entries()
            if e.entry.leak_point is not None and e.entry.leak_point.interval_kind == "run"
        }
        in_walks = [
            e for e in uow.repo.entries()
            if e.entry.leak_point is not None and e.entry.leak_point.interval_kind == "walk"
        ]  # fmt: skip
    assert in_walks, "the season has a leak noticed in a walk"
    chart = page.split("When leaking started")[1].split("</svg>")[0]
    assert chart.count("<circle") == len(in_runs)


def _chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("headless Chromium is not installed (.ci/run installs Debian's chromium)")
    return browser


def _shot(html_text: str, path: Path, height: int) -> Any:
    from PIL import Image

    page = path.with_suffix(".html")
    page.write_text(html_text)
    subprocess.run(
        [
            _chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--window-size={PHONE_W},{height}", f"--screenshot={path}",
            page.as_uri(),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    image = Image.open(path).convert("RGB")
    assert image.size[0] == PHONE_W
    return image


def _count(image: Any, hex_color: str, tolerance: int = 12) -> int:
    import numpy as np

    wanted = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)])
    pixels = np.asarray(image, dtype=np.int16)
    return int((np.abs(pixels - wanted) <= tolerance).all(axis=2).sum())


def test_the_season_report_draws_every_chart_at_phone_width(
    season: tuple[Any, str], tmp_path: Path
) -> None:
    _app, page = season
    image = _shot(page, tmp_path / "phone.png", 5200)
    assert _count(image, COLORS["run"]) > 3000, "the running charts drew bars and points"
    assert _count(image, COLORS["leak"]) > 60, "the leak onsets are drawn"
    assert _count(image, COLORS["done"]) > 2000, "the weekly bars are drawn"


def _dark(pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return max(r, g, b) < 130 and max(r, g, b) - min(r, g, b) < 30  # the text grey, anti-aliased


def _orange(pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return r > 200 and 80 < g < 190 and b < 90


def _runs(flags: list[bool], gap: int) -> list[tuple[int, int]]:
    """Stretches of set flags, joined across gaps shorter than `gap` (a word's spaces)."""
    runs: list[tuple[int, int]] = []
    for i, on in enumerate(flags):
        if not on:
            continue
        if runs and i - runs[-1][1] <= gap:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _labels_in_row(
    image: Any, y_units: float, is_ink: Callable[[Any], bool]
) -> list[tuple[int, int]]:
    """The words written on one baseline of a chart shot alone at the top of the page."""
    top = 12 + (y_units - FONT) * SCALE
    bottom = 12 + (y_units + 4) * SCALE
    pixels = image.load()
    columns = [
        any(is_ink(pixels[x, y]) for y in range(int(top), int(bottom) + 1))
        for x in range(image.size[0])
    ]
    # A space inside a label is up to 7 px at this size; labels stand 18 px apart.
    return _runs(columns, gap=10)


def _charts(page: str) -> list[str]:
    head = page.split("<main>")[0] + "<main>"
    return [head + svg + "</svg></main></body></html>" for svg in
            re.findall(r"<svg .*?(?=</svg>)", page)]  # fmt: skip


def test_every_label_of_every_chart_is_readable_in_the_screenshot(
    season: tuple[Any, str], tmp_path: Path
) -> None:
    _app, page = season
    charts = _charts(page)
    assert len(charts) == 3
    for n, chart in enumerate(charts):
        image = _shot(chart, tmp_path / f"chart{n}.png", 260)
        axis_y = 250 - PAD + 24
        texts = re.findall(
            r"<text x=([\d.]+) y=([\d.]+)[^>]*class=(\w+)[^>]*>([^<]*)</text>", chart
        )
        for cls, ink in (("label", _dark), ("level", _orange)):
            rows: dict[float, list[str]] = {}
            for _x, y, kind, text in texts:
                if kind == cls:
                    rows.setdefault(float(y), []).append(text)
            for y, words in rows.items():
                seen = _labels_in_row(image, y, ink)
                assert len(seen) == len(words), (n, cls, words, seen)
                for start, end in seen:
                    assert start > 0, f"chart {n}: '{words}' cut at the left edge"
                    assert end < PHONE_W - 1, f"chart {n}: '{words}' cut at the right edge"
            if cls == "label":
                assert axis_y in rows, f"chart {n} has no axis labels"
        # the tick labels on the left: one word per tick, apart from each other
        ticks = sorted(float(y) for _x, y, kind, _t in texts if kind == "tick")
        pixels = image.load()
        width = int(12 + (PAD - 4) * SCALE)
        top, bottom = 12 + (ticks[0] - FONT) * SCALE, 12 + (ticks[-1] + 2) * SCALE
        rows_with_ink = [
            any(_dark(pixels[x, y]) for x in range(width)) for y in range(int(top), int(bottom) + 1)
        ]
        tick_words = _runs(rows_with_ink, gap=2)
        assert len(tick_words) == len(ticks), (n, ticks, tick_words)
        height_px = min(end - start + 1 for start, end in tick_words)
        assert height_px >= 6, f"chart {n}: tick text {height_px} px high is too small to read"


def test_a_look_at_a_past_day_shows_what_was_known_then(season: tuple[Any, str]) -> None:
    app, _ = season
    now = app.settings
    try:
        app.settings = now.replace(today=date(2026, 3, 1))
        page = build(app)
    finally:
        app.settings = now
    assert "to 28 Feb 2026" in page
    charts = page.split("<h2>Running per week")[1].split("Decisions and why")[0]
    decided = page.split("Decisions and why")[1]
    for later in (" Mar", " Apr", " May"):
        assert later not in charts, later
        assert later not in decided.replace("2 Mar 2026", ""), later  # the next: 2 Mar
