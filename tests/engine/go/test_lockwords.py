"""The lock-word census (the note that compares it with the census's stop-the-world samples)
and the scheduling latency, as the go record keeps them."""

from __future__ import annotations

from typing import Any

import pytest

from lsim.engine.go.lockwords import lock_words, words_disagree
from lsim.engine.go.schedlat import sched_latency


def census_run(blocked: list[int]) -> dict[str, Any]:
    return {"census": {"blocked_per_sample": blocked}}


def test_both_runs_are_kept_by_name_and_a_run_without_them_is_left_out() -> None:
    words = {"samples": 10, "waiters_mean": 5.0}
    assert lock_words({"lock_words": words}, None) == {"clean": words}
    assert lock_words({}, {"lock_words": words}) == {"census": words}


@pytest.mark.parametrize(
    ("waiters_mean", "blocked", "noted"),
    [
        (95.0, [10, 20], True),  # words 95%, census 15%: the convoy the dumps miss
        (30.0, [10, 20], False),  # 30% vs 15%: within 20 points
        (0.0, [90, 100], True),  # the other way round
    ],
)
def test_a_note_only_beyond_20_points(waiters_mean: float, blocked: list[int], noted: bool) -> None:
    words = {"samples": 5000, "waiters_mean": waiters_mean}
    notes = words_disagree(words, census_run(blocked), 100)
    assert bool(notes) is noted
    if noted:
        assert "5,000 reads" in notes[0] and "integrations.lock_words" in notes[0]


def test_no_note_without_samples_of_either_kind() -> None:
    assert words_disagree(None, census_run([50]), 100) == []
    assert words_disagree({"samples": 0, "waiters_mean": 0.0}, census_run([50]), 100) == []
    assert words_disagree({"samples": 9, "waiters_mean": 90.0}, census_run([]), 100) == []
    assert words_disagree({"samples": 9, "waiters_mean": 90.0}, None, 100) == []


def test_scheduling_latency_is_kept_by_run_name_only_where_go_has_it() -> None:
    lat = {"available": True, "count": 10, "p99_s": 0.01, "over_1ms_share": 0.3}
    assert sched_latency({"sched_latency": lat}, {"sched_latency": lat}) == {
        "clean": lat,
        "census": lat,
    }
    # an older program (no block) or a Go without the metric: left out
    assert sched_latency({}, {"sched_latency": {"available": False}}) == {}
