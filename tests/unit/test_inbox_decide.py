"""Which inbox files are ready: unchanged in size and time for the settle time."""

from __future__ import annotations

import pytest

from sync.usecases.inbox import Seen, decide_ready, wait_needed

NOW = 1_000_000.0


def ns(seconds: float) -> int:
    return int(seconds * 1e9)


def test_a_file_untouched_for_longer_than_the_settle_time_is_ready_at_once() -> None:
    ready, memory = decide_ready({"a.fit": (100, ns(NOW - 5))}, {}, NOW, 1.0)
    assert ready == ["a.fit"]
    assert memory == {}


def test_a_file_written_just_now_waits() -> None:
    ready, memory = decide_ready({"a.fit": (100, ns(NOW - 0.2))}, {}, NOW, 1.0)
    assert ready == []
    assert memory["a.fit"].size == 100
    assert wait_needed(memory, NOW, 1.0) == pytest.approx(0.8, abs=1e-3)


def test_a_file_that_grew_since_the_last_look_waits_even_with_an_old_mtime() -> None:
    previous = {"a.fit": Seen(size=50, mtime_ns=ns(NOW - 60), since_s=NOW - 2)}
    ready, memory = decide_ready({"a.fit": (100, ns(NOW - 60))}, previous, NOW, 1.0)
    assert ready == []
    ready, _ = decide_ready({"a.fit": (100, ns(NOW - 60))}, memory, NOW + 1.5, 1.0)
    assert ready == ["a.fit"]


def test_files_that_disappeared_are_forgotten() -> None:
    previous = {"gone.fit": Seen(1, 1, NOW)}
    ready, memory = decide_ready({}, previous, NOW, 1.0)
    assert ready == []
    assert memory == {}
