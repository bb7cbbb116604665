"""The published facts the model must reproduce without special-casing them (issue 10).

Loads are described in ``facts.py``; ``python -m tests.engine.model.facts`` prints the
numbers. Each experiment runs once per module and is shared by the checks that need it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest

from lsim.engine.model.script import Costs
from lsim.profile.model import Profile

from .facts import (
    N_PRODUCTION,
    collapse,
    high_contention,
    production_closed,
    production_saturating,
    quantiles,
    run,
)

pytestmark = pytest.mark.slow

N_BURST = 20_000  # alloy-high-contention: goroutines per iteration
PUBLISHED_RATIO = 17.05 / 4.61  # Alloy's BenchmarkHighContention, Apple M2, GOMAXPROCS 8
READ_OPS = {"GetLocalRefID", "Collect"}


@cache
def paced(store: str, shards: int | None = None, procs: int = 64, sim_s: float = 0.2) -> Profile:
    return run(production_saturating(), store, shards=shards, goroutines=N_PRODUCTION,
               gomaxprocs=procs, sim_time_s=sim_s)  # fmt: skip


@cache
def closed(store: str, shards: int | None = None) -> Profile:
    return run(production_closed(), store, shards=shards, goroutines=5_000, gomaxprocs=8,
               sim_time_s=0.05)  # fmt: skip


@cache
def burst(store: str, shards: int | None = None) -> Profile:
    return run(high_contention(iterations=3), store, shards=shards, gomaxprocs=8)


def share(p: Profile, ops: Callable[[str], bool]) -> float:
    return sum(v for k, v in p.blocked_by_operation().items() if ops(k)) / p.threads


def runnable(p: Profile) -> float:
    return p.state_means().get("runnable", 0.0) / p.threads


# 1. the reference dump ---------------------------------------------------------------------
def test_fact1_mutex_dump_is_mostly_blocked_split_evenly() -> None:
    p = paced("mutex")
    assert p.regime == "saturated"
    assert p.blocked_share() >= 0.90  # reference: 92.4%
    goa = share(p, lambda op: op == "GetOrAddGlobalRefID")  # reference: 48.27%
    local = share(p, lambda op: op == "GetLocalRefID")  # reference: 44.09%
    assert 0.35 <= goa <= 0.60 and 0.35 <= local <= 0.60
    assert abs(goa - local) <= 0.15


# 2. Alloy's RWMutex attempt ----------------------------------------------------------------
def test_fact2_rwmutex_no_real_reduction_blocked_on_the_writer_path() -> None:
    mutex, rw = paced("mutex"), paced("rwmutex")
    assert rw.blocked_share() >= 0.8 * mutex.blocked_share()
    writers = share(rw, lambda op: op not in READ_OPS)
    assert writers >= 0.8 * rw.blocked_share()


# 3. sharding, in both regimes --------------------------------------------------------------
@pytest.mark.parametrize("shards", [32, 64])
def test_fact3_paced_sharding_removes_the_blocking(shards: int) -> None:
    mutex, sharded = paced("mutex"), paced("sharded", shards, sim_s=0.1)
    assert sharded.regime == "below-saturation", sharded.regime_reason
    assert sharded.blocked_share() <= 0.1 * mutex.blocked_share()  # falls by >= 90%


def test_fact3_with_few_ps_the_goroutines_are_runnable_instead() -> None:
    mutex, few = paced("mutex"), paced("sharded", 64, procs=2, sim_s=0.1)
    assert few.regime == "saturated" and "Ps were busy" in few.regime_reason
    assert few.blocked_share() <= 0.1 * mutex.blocked_share()
    assert runnable(few) >= 0.5  # the CPU, not a lock, is what they wait for


def test_fact3_closed_loop_everything_waits_sharding_raises_throughput() -> None:
    mutex, sharded = closed("mutex"), closed("sharded", 64)
    for p in (mutex, sharded):
        assert p.regime == "saturated" and "closed loop" in p.regime_reason
        assert p.blocked_share() + runnable(p) >= 0.9  # the census stays high
    assert sharded.ops_per_s >= 2.0 * mutex.ops_per_s


# 4. Alloy's benchmark ----------------------------------------------------------------------
def test_fact4_mutex_over_32_shards_within_2x_of_published() -> None:
    mutex, sharded = burst("mutex"), burst("sharded", 32)
    ratio = mutex.timings["iteration_ns_median"] / sharded.timings["iteration_ns_median"]
    assert PUBLISHED_RATIO / 2 <= ratio <= PUBLISHED_RATIO * 2


# 5. signatures of real dumps ---------------------------------------------------------------
def test_fact5_runnable_inside_unlock_after_a_hand_off() -> None:
    p = paced("mutex")
    (lock,) = p.locks
    assert lock.handoffs > 0
    in_unlock = [t for t in p.representative if t.in_unlock]
    assert in_unlock and all(t.state == "runnable" for t in in_unlock)
    assert {t.lock for t in in_unlock} == {lock.name}


def test_fact5_one_dump_can_show_almost_anything() -> None:
    """Within one burst run, single census samples range from few to most blocked."""
    p10, p50, p90 = quantiles(burst("mutex"))
    assert p90 >= 3 * p10
    assert p90 >= 0.5 * N_BURST


def test_fact5_all_or_nothing_starvation_collapse() -> None:
    """Same workload, slightly different load: ~nothing blocked, or ~everything. The load is
    below what the mutex's critical sections need in both, but once waits pass 1 ms the
    hand-off (a context switch per acquisition) cuts its capacity below the load."""
    profiles = {}
    for rate, sim_s in ((12.0, 0.3), (18.0, 0.5)):  # the collapse takes ~100 ms to complete
        profiles[rate] = run(collapse(rate), "mutex", goroutines=5_000, gomaxprocs=64,
                             sim_time_s=sim_s)  # fmt: skip
    low, high = profiles[12.0], profiles[18.0]
    assert quantiles(low)[2] <= 0.05 * low.threads  # p90: nearly nobody blocked
    assert quantiles(high)[0] >= 0.9 * high.threads  # p10: nearly everybody blocked
    # critical-section demand at the high load (defaults: GetOrAdd L+H+M, GetLocal L+2M per
    # sample; one TrackStaleness of 25 live series, L+25M, per batch): well below 100%
    c = Costs.from_mapping(high.machine["costs_ns"])
    per_batch = 25 * (2 * c.lock + c.hash + 3 * c.hit) + c.lock + 25 * c.hit
    assert 5_000 * 18.0 * per_batch * 1e-9 < 0.85
    (lock,) = high.locks
    assert lock.handoffs >= 0.95 * lock.acquisitions  # starvation mode throughout
