"""Checks of the JSON contracts in ../shared/DESIGN.md, shared by the tests."""

from __future__ import annotations

import re
from typing import Any

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
STATUSES = {"done", "short", "missed", "extra"}
NUMBER = (int, float)


def check_analyze(body: dict[str, Any]) -> None:
    """Raise AssertionError unless `body` is exactly DESIGN's analyze object."""
    assert set(body) == {"activity", "plan", "bouts", "intervals", "compliance"}
    act = body["activity"]
    assert set(act) == {"start", "sport", "elapsed_s", "timer_s", "distance_m"}
    assert ISO.match(act["start"])
    assert isinstance(act["sport"], str)
    assert isinstance(act["timer_s"], NUMBER)
    assert isinstance(act["elapsed_s"], NUMBER)
    assert act["distance_m"] is None or isinstance(act["distance_m"], NUMBER)
    assert body["plan"] is None or isinstance(body["plan"], str)
    previous_end = ""
    for bout in body["bouts"]:
        assert set(bout) == {"kind", "start", "end", "duration_s"}
        assert bout["kind"] in ("run", "walk")
        assert ISO.match(bout["start"])
        assert ISO.match(bout["end"])
        assert bout["start"] < bout["end"]
        assert bout["start"] >= previous_end, "bouts overlap or are out of order"
        previous_end = bout["end"]
        assert isinstance(bout["duration_s"], int)
        assert bout["duration_s"] > 0
    for i, row in enumerate(body["intervals"], start=1):
        assert set(row) == {
            "index", "kind", "planned_s", "actual_s", "status", "start", "end",
            "avg_heart_rate", "avg_cadence_spm", "avg_speed_mps",
        }  # fmt: skip
        assert row["index"] == i
        assert row["kind"] in ("run", "walk")
        assert row["planned_s"] is None or isinstance(row["planned_s"], int)
        assert isinstance(row["actual_s"], int)
        assert row["actual_s"] >= 0
        assert row["status"] in STATUSES
        if row["start"] is None:
            assert row["end"] is None
            assert row["actual_s"] == 0
            assert row["status"] == "missed"
        else:
            assert ISO.match(row["start"])
            assert ISO.match(row["end"])
            assert row["start"] <= row["end"]
        for key in ("avg_heart_rate", "avg_cadence_spm", "avg_speed_mps"):
            assert row[key] is None or isinstance(row[key], NUMBER)
        if row["kind"] == "walk":
            assert row["status"] in ("done", "extra", "missed")
    comp = body["compliance"]
    assert set(comp) == {
        "run_planned_s", "run_actual_s", "run_intervals_planned", "run_intervals_done",
    }  # fmt: skip
    runs = [r for r in body["intervals"] if r["kind"] == "run"]
    assert comp["run_intervals_planned"] == len(runs)
    assert comp["run_intervals_done"] == sum(r["status"] == "done" for r in runs)
    assert comp["run_actual_s"] == sum(r["actual_s"] for r in runs)
