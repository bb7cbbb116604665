"""The report says why a measured window began late (issue 11: 10,000 threads)."""

from __future__ import annotations

from lsim.engine.report import LATE_WINDOW_S, start_note

TIMINGS = {"setup_s": 0.4, "start_threads_s": 2.9, "first_ops_s": 11.0, "threads_not_run": 0.0}


def test_an_early_window_needs_no_note() -> None:
    assert start_note(LATE_WINDOW_S - 1, TIMINGS, 10_000) == ""


def test_a_late_window_names_where_the_time_went() -> None:
    text = start_note(16.2, TIMINGS, 10_000)
    assert text.startswith("the measured window began 16.2 s after the start (setting up")
    for part in ("starting 10,000 threads 2.9 s", "until each had run once 11.0 s"):
        assert part in text


def test_threads_that_never_ran_are_named_even_when_on_time() -> None:
    text = start_note(5.0, {**TIMINGS, "threads_not_run": 2201.0}, 10_000)
    assert "2,201 threads had not run once when it began" in text
