"""The progress report: self-contained, and its charts really render at phone width in
headless Chromium (Debian's package; .ci/run installs it, elsewhere the test skips)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sync import service
from sync.journal import log_readiness, record_entry, set_profile
from sync.planning import refresh
from sync.report import COLORS, write
from tests.support.fitbuilder import follow

SPEC = "walk 5m, 5x(run 30s, walk 4m30s), walk 5m"
PHONE = (390, 2600)


@pytest.fixture
def report(make_app: Callable[..., Any], tmp_path: Path) -> Path:
    app = make_app(today=date(2026, 9, 20), timezone="UTC")
    set_profile(app, birth_date=date(2026, 6, 1), cleared_on=date(2026, 8, 24))
    log_readiness(app, date(2026, 8, 25), "all", None, None)
    for i in range(6):
        day = date(2026, 8, 25) + timedelta(days=3 * i)
        start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=7)
        data = follow(SPEC, start, serial=800 + i, run_for={3: 18} if i == 2 else None)
        service.ingest_bytes(app, data, file_name=f"{day}.fit", source="inbox")
        leak = ["--leak", "leak", "--leak-at", "15:20"] if i == 4 else ["--leak", "none"]
        fields = {"date": day.isoformat(), "leak": leak[1]}
        if len(leak) > 2:
            fields["leak-at"] = leak[3]
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
    assert text.count("<svg") == 4
    assert "Decisions and why" in text
    assert "leak-cap" not in text or "Run intervals are capped" in text


def test_the_charts_render_at_phone_width_in_headless_chromium(
    report: Path, tmp_path: Path
) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("headless Chromium is not installed (.ci/run installs Debian's chromium)")
    from PIL import Image

    shot = tmp_path / "phone.png"
    subprocess.run(
        [
            browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--window-size={PHONE[0]},{PHONE[1]}", f"--screenshot={shot}", report.as_uri(),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    image = Image.open(shot).convert("RGB")
    assert image.size[0] == PHONE[0]
    pixels = image.load()
    assert pixels is not None

    def count(hex_color: str) -> int:
        wanted = tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
        return sum(
            1
            for x in range(image.size[0])
            for y in range(image.size[1])
            if all(abs(a - b) <= 12 for a, b in zip(pixels[x, y], wanted, strict=True))  # type: ignore[arg-type]
        )

    assert count(COLORS["run"]) > 800, "the running chart drew its bars and points"
    assert count(COLORS["done"]) > 200, "the compliance chart drew its bars"
    assert count(COLORS["leak"]) > 20, "the leak onset point is drawn"
