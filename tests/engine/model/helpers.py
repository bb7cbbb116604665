"""Small builders shared by the model engine's tests."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from lsim.engine.model.core import END, OP, SLEEP, Goroutine, Item
from lsim.engine.model.sim import Sim
from lsim.workload.model import (
    ModelSpec,
    PacingSpec,
    PipelineSpec,
    RunSpec,
    SeriesSpec,
    ThreadsSpec,
    Workload,
)

ZERO_OVERHEAD = {"park_unpark_ns": 0.0, "wakep_ns": 0.0, "spin_ns": 0.0, "futex_wake_ns": 0.0,
                 "steal_backoff_ns": 0.0, "line_transfer_ns": 0.0}  # fmt: skip


def make_sim(
    next_items: Callable[[Goroutine], list[Item] | None],
    *,
    n: int,
    procs: int,
    nlocks: int = 2,
    switch_ns: int = 0,
    wakep_ns: int = 0,
    spin_ns: int = 0,
    futex_ns: int = 0,
    steal_backoff_ns: int = 0,
    line_ns: int = 0,
) -> Sim:
    return Sim(
        nprocs=procs, goroutines=n, nlocks=nlocks, switch_ns=switch_ns, wakep_ns=wakep_ns,
        spin_ns=spin_ns, spin_rounds=4, cas_retry_ns=20, next_items=next_items,
        futex_ns=futex_ns, steal_backoff_ns=steal_backoff_ns, line_ns=line_ns,
    )  # fmt: skip


def loop(body: Callable[[Goroutine], list[Item]], op: int = 1) -> Callable[[Goroutine], list[Item]]:
    """A goroutine that repeats ``OP body END`` forever."""

    def next_items(g: Goroutine) -> list[Item]:
        return [(OP, op, -1), *body(g), (END, 0, 0)]

    return next_items


def think(ns: int) -> Item:
    return (SLEEP, ns, 0)


def small_workload(
    *,
    threads: int = 40,
    series: int = 400,
    spt: int = 5,
    rate: float = 0.0,
    mode: str = "steady",
    iterations: int = 2,
    components: tuple[str, ...] = ("rw.default",),
    costs: dict[str, float] | None = None,
    procs: int = 4,
    sim_time_s: float = 0.01,
    **pipeline: Any,
) -> Workload:
    """A pipeline workload small enough for unit tests (all series prepopulated)."""
    return Workload(
        name="unit",
        seed=7,
        series=SeriesSpec(count=series, prepopulated=series),
        components=components,
        threads=ThreadsSpec(count=threads, mode=mode),  # type: ignore[arg-type]
        run=RunSpec(duration_s=1.0, iterations=iterations,
                    warmup_s=0.0 if mode == "burst" else 0.1),
        behaviour=PipelineSpec(series_per_thread=spt, **pipeline),
        pacing=PacingSpec(rate_per_thread=rate),
        model=ModelSpec(gomaxprocs=procs, sim_time_s=sim_time_s,
                        costs=MappingProxyType(dict(costs or {}))),
    )  # fmt: skip


def with_costs(w: Workload, **costs: float) -> Workload:
    merged = {**w.model.costs, **costs}
    model = dataclasses.replace(w.model, costs=MappingProxyType(merged))
    return dataclasses.replace(w, model=model)


def exp_ns(rng: random.Random, mean: int) -> int:
    return max(1, round(rng.expovariate(1.0 / mean)))
