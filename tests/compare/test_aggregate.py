from __future__ import annotations

import pytest

from lsim.compare.aggregate import Spread, hot_operations, summarize
from lsim.compare.schedule import Variant
from tests.compare.helpers import log_from

MUTEX, SHARDED = Variant("mutex"), Variant("sharded", 4)


def test_spread_median_min_max() -> None:
    assert Spread.of([3.0, 1.0, 2.0]) == Spread(2.0, 1.0, 3.0, 3)
    assert Spread.of([4, 1, 3, 10]) == Spread(3.5, 1.0, 10.0, 4)  # even n: mean of the middle
    assert Spread.of([5.0]) == Spread(5.0, 5.0, 5.0, 1)
    with pytest.raises(ValueError):
        Spread.of([])


def test_overlap_is_inclusive() -> None:
    assert Spread.of([1, 2]).overlaps(Spread.of([2, 3]))
    assert not Spread.of([1, 2]).overlaps(Spread.of([2.5, 3]))


def test_repeated_runs_aggregate_per_design_in_schedule_order() -> None:
    log = log_from([MUTEX, SHARDED], {"mutex": [900, 1100, 1000], "sharded-4": [2600, 2400, 2500]})
    mutex, sharded = summarize(log.finished)
    assert (mutex.variant, sharded.variant) == (MUTEX, SHARDED)
    assert mutex.runs == 3 and mutex.throughput == Spread(1000.0, 900.0, 1100.0, 3)
    assert sharded.throughput == Spread(2500.0, 2400.0, 2600.0, 3)
    # the fixture's census: 9.3 of 12 live threads blocked, 4.8 of them in GetOrAdd
    assert mutex.blocked.median == pytest.approx(9.3 / 12)
    assert mutex.blocked_by_op["GetOrAddGlobalRefID"].median == pytest.approx(4.8 / 12)
    assert sharded.blocked.median == pytest.approx(2.6 / 12)
    assert mutex.p99_ns["GetLocalRefID"].median == 14_000_000
    assert mutex.calls["GetOrAddGlobalRefID"] == 3 * 30_000
    assert mutex.regime == "saturated" and sharded.regime == "below-saturation"


def test_partial_repetitions_and_mixed_regimes() -> None:
    log = log_from([MUTEX, SHARDED], {"mutex": [900, 1000], "sharded-4": [2500]})
    log.finished[0].profile.regime = "below-saturation"
    mutex, sharded = summarize(log.finished)
    assert mutex.runs == 2 and sharded.runs == 1
    assert mutex.regime == "mixed" and mutex.regime_label == "mixed (1/2 saturated)"


def test_hot_operations_are_the_busy_ones() -> None:
    log = log_from([MUTEX], {"mutex": [1000]})
    # fixture calls: GetOrAdd 30,000, GetLocal 28,000, AddLocalLink 1,500, TrackStaleness 300
    assert hot_operations(summarize(log.finished)) == ["GetOrAddGlobalRefID", "GetLocalRefID"]
    assert hot_operations([]) == []
