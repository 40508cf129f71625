"""A file that says it is not a run or a walk is refused from its message headers, before
any record is decoded, with the same words as after a full decode."""

from __future__ import annotations

import fitparse
import pytest

from sync.adapters.fitfile import read_activity
from sync.adapters.fitscan import scan
from sync.errors import FitFileError
from tests.support.fitbuilder import ActivitySpec, Segment, build_activity, simple_run, workout_file

RIDE = build_activity(ActivitySpec([Segment("run", 3600)], sport="cycling"))


@pytest.fixture
def no_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the records were decoded")

    monkeypatch.setattr(fitparse, "UncachedFitFile", refuse)


@pytest.mark.usefixtures("no_decoder")
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (RIDE, "a cycling activity: runback follows running and walking"),
        (workout_file(), "a workout file, not an activity"),
        (
            build_activity(ActivitySpec([Segment("run", 60)], file_type="course")),
            "a course file, not an activity",
        ),
    ],
    ids=["an hour's ride", "a workout", "a course"],
)
def test_a_file_that_is_not_a_run_is_refused_without_decoding_it(data: bytes, reason: str) -> None:
    with pytest.raises(FitFileError) as caught:
        read_activity(data)
    assert caught.value.reason == reason


def test_the_scan_reads_file_type_and_session_sports_of_a_whole_stream() -> None:
    kind = scan(RIDE)
    assert kind is not None
    assert (kind.file_types, kind.session_sports) == (("activity",), ("cycling",))
    run = scan(simple_run(5))
    assert run is not None
    assert run.session_sports == ("running",)


@pytest.mark.parametrize("cut", [1, 13, 100, -3])
def test_a_stream_that_is_not_whole_is_left_to_the_decoder(cut: int) -> None:
    assert scan(RIDE[:cut]) is None


def test_a_run_is_still_decoded_in_full() -> None:
    act = read_activity(simple_run(5))
    assert act.sport == "running"
    assert len(act.columns) == 300
