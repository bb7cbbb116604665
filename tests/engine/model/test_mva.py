"""Queueing sanity: one mutex, exponential service, a closed population with think time.

Exact Mean Value Analysis (a single FCFS queue plus a delay station) gives the utilisation
and the mean number at the mutex; with Go's overheads set to zero the mutex is a
work-conserving single server, and any work-conserving order (barging included) has the same
mean queue length for exponential service, so the model must match MVA within 5%.
"""

from __future__ import annotations

import random

import pytest

from lsim.engine.model.census import Census
from lsim.engine.model.core import CPU, END, LOCK, OP, SLEEP, UNLOCK, WRITE, Goroutine, Item
from lsim.engine.model.golock import SimMutex
from lsim.engine.model.sim import TICK, Sim

from .helpers import exp_ns, make_sim


def mva(n: int, service: float, think: float) -> tuple[float, float]:
    """Utilisation and mean number at the queue for ``n`` customers (exact MVA)."""
    queue = 0.0
    throughput = 0.0
    for k in range(1, n + 1):
        response = service * (1.0 + queue)
        throughput = k / (response + think)
        queue = throughput * response
    return throughput * service, queue


def simulate(n: int, service: int, think: int, seed: int) -> tuple[float, float]:
    rng = random.Random(seed)
    m = SimMutex("m", 1)

    def next_items(g: Goroutine) -> list[Item]:
        return [(OP, 1, -1), (LOCK, m, WRITE), (CPU, exp_ns(rng, service), 0),
                (UNLOCK, m, WRITE), (END, 0, 0), (SLEEP, think, 0)]  # fmt: skip

    sim = make_sim(next_items, n=n, procs=n)  # no CPU contention, no switch/wake costs
    for g in sim.gs:
        sim.at(rng.randrange(think), g)
    warmup, end = 200 * service, 20_000 * service
    census = Census(sim, n, 2, service // 4)

    def tick(s: Sim) -> int:
        census.sample()
        return s.now + census.interval_ns

    sim.on_tick = tick
    sim.run(warmup)
    busy0 = m.busy_ns
    sim.at_code(warmup, TICK)
    sim.run(end)
    utilisation = (m.busy_ns - busy0) / (end - warmup)
    waiting = sum(census.blocked) / census.samples
    return utilisation, waiting + utilisation  # queued + the one being served


@pytest.mark.parametrize(
    ("n", "service_us", "think_us"),
    [(5, 100, 1000), (10, 100, 400), (20, 50, 200), (3, 200, 100)],
)
def test_single_mutex_matches_mean_value_analysis(n: int, service_us: int, think_us: int) -> None:
    util, queue = simulate(n, service_us * 1000, think_us * 1000, seed=n)
    exact_util, exact_queue = mva(n, service_us, think_us)
    assert util == pytest.approx(exact_util, rel=0.05)
    assert queue == pytest.approx(exact_queue, rel=0.05)
