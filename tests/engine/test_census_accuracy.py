"""The census against a case whose answer is known (DESIGN.md §4)."""

from __future__ import annotations

import pytest

from lsim.engine.threads import run_child
from lsim.sync.states import GoState
from tests.engine.census_jobs import HolderJob


@pytest.mark.timeout(120)
def test_census_matches_known_waiting_share() -> None:
    job = HolderJob(waiters=8, hold_s=0.03, gap_s=0.03, duration_s=3.0)
    result = run_child(job, census_rate_hz=100.0)
    window_s = result.data["window_s"]
    truth_mean_waiting = result.data["counters"]["waited_ns"] / 1e9 / window_s
    census = result.census
    blocked_samples = sum(
        n for (state, _op, _lock, n) in census.cells() if state == GoState.MUTEX_LOCK
    )
    census_mean_waiting = blocked_samples / census.samples
    truth_share = truth_mean_waiting / job.threads
    census_share = census_mean_waiting / job.threads
    # the answer is far from 0 and 1, so agreement is not an accident of saturation
    assert 0.15 < truth_share < 0.85, truth_share
    assert abs(census_share - truth_share) <= 0.10, (census_share, truth_share)
    assert census.samples >= 60  # 300 expected; fewer when the machine is busy
