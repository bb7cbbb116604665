"""``run_model``: build a simulated Go service for a workload and a design, run it, report.

Steady mode: ``goroutines`` long-lived goroutines run their endless plans for ``sim_time``;
each starts at a random moment within its first pacing period (Prometheus spreads scrape
offsets the same way), and the first quarter of the run (or ``run.warmup_s`` if shorter) is
warm-up, excluded from every statistic. Burst mode: a main goroutine spawns the goroutines
afresh (``go f()``, serial, ``spawn_ns`` each) and waits for all of them, ``run.iterations``
times, like Alloy's benchmark; the census covers the whole run.
"""

from __future__ import annotations

import dataclasses
import random
import re
import time
from collections.abc import Callable
from typing import Any

from lsim.engine.model import designs_maps  # noqa: F401  (registers the map designs)
from lsim.engine.model.census import Census
from lsim.engine.model.core import (
    CPU,
    IDLE,
    SLEEP,
    SLEEPING,
    SPAWN,
    WAIT,
    Goroutine,
    Item,
    census_key,
)
from lsim.engine.model.designs import DESIGNS
from lsim.engine.model.program import Program
from lsim.engine.model.report import RunFacts, build_profile, take_baseline
from lsim.engine.model.script import Costs
from lsim.engine.model.sim import TICK, Sim
from lsim.errors import ConfigError
from lsim.profile.model import Profile
from lsim.stores import create_store
from lsim.workload.model import Workload
from lsim.workload.plan import prepopulate
from lsim.workload.series import SeriesSet

WARMUP_SHARE = 0.25
BURST_LIMIT_NS = 60 * 10**9  # a burst run that needs more virtual time than this is stuck
SPIN_ROUNDS = 4  # Go's active_spin
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}


def parse_sim_time(text: str) -> float:
    """``"200ms"`` -> 0.2 (seconds). Accepts ns, us, ms, s (a bare number is seconds)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ns|us|µs|ms|s)?\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(
            f"expected a positive duration such as 200ms, 1.5s, 500us or 100000ns "
            f"(units: ns, us, ms, s), got {text!r}", source="--sim-time",
        )  # fmt: skip
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


class _Known:
    """Passed to ``plan.prepopulate``: records the ids it creates (later hits, not misses)."""

    def __init__(self, store: Any, known: set[int]) -> None:
        self.store, self.known = store, known

    def get_or_add_global_ref_id(self, labels: Any) -> int:
        gid: int = self.store.get_or_add_global_ref_id(labels)
        self.known.add(gid)
        return gid

    def add_local_link(self, component: str, global_id: int, local_id: int) -> None:
        self.store.add_local_link(component, global_id, local_id)


def run_model(
    workload: Workload, store: str, *, shards: int | None = None, seed: int | None = None,
    gomaxprocs: int | None = None, goroutines: int | None = None, sim_time_s: float | None = None,
    census_rate_hz: float = 1000.0, progress: Callable[[float], None] | None = None,
    command: str = "",
) -> Profile:  # fmt: skip
    if store not in DESIGNS:
        raise ConfigError(f"unknown store {store!r}; known stores: {', '.join(DESIGNS)}",
                          source="--store")  # fmt: skip
    if census_rate_hz <= 0:
        raise ConfigError("must be > 0", source="census_rate_hz")
    w = _resolved(workload, seed, gomaxprocs, goroutines, sim_time_s)
    wall0 = time.perf_counter()
    n, procs = w.goroutines, w.model.gomaxprocs
    costs = Costs.from_mapping(w.model.costs)
    burst = w.threads.mode == "burst"
    sim_box: list[Sim] = []
    real = create_store(store, shards=shards if store == "sharded" else None,
                        layout=w.series.layout, clock=lambda: sim_box[0].now / 1e9)  # fmt: skip
    design = DESIGNS[store](costs, w.components, shards, real)
    series = SeriesSet(w.series)
    program = Program(w, design, real, series, costs, random.Random(w.seed),
                      lambda: sim_box[0].now / 1e9)  # fmt: skip
    prepopulate(_Known(real, program.known), w, series)
    nlocks = len(design.locks) + 1
    main_items = _MainLoop(w, costs.spawn, program) if burst else None
    next_items = program.next_items
    if main_items is not None:
        def next_items(g: Goroutine) -> list[Item] | None:  # noqa: E306
            return main_items(sim, g) if g.id == n else program.next_items(g)

    warmup = 0 if burst else round(min(w.run.warmup_s, WARMUP_SHARE * w.model.sim_time_s) * 1e9)
    sim = Sim(nprocs=procs, goroutines=n + burst, nlocks=nlocks, switch_ns=costs.switch,
              wakep_ns=costs.wakep, spin_ns=costs.spin, spin_rounds=SPIN_ROUNDS,
              cas_retry_ns=costs.cas_retry, next_items=next_items, warmup_ns=warmup)  # fmt: skip
    sim_box.append(sim)
    census = Census(sim, n, nlocks, round(1e9 / census_rate_hz))
    end = round(w.model.sim_time_s * 1e9)

    def tick(s: Sim) -> int:
        census.sample()
        if progress is not None and census.samples % 20 == 0:
            done = main_items.done / w.run.iterations if main_items else s.now / end
            progress(min(1.0, done))
        return s.now + census.interval_ns

    sim.on_tick = tick
    if burst:
        assert main_items is not None
        main = sim.gs[n]
        sim.keys[n] = census_key(IDLE, 0, 0, 0, nlocks)
        sim.at(0, main)
        sim.at_code(0, TICK)
        baseline = take_baseline(sim, design)
        sim.run(BURST_LIMIT_NS)
        if main_items.done < w.run.iterations:
            raise RuntimeError(
                f"model stuck: {main_items.done} of {w.run.iterations} iterations finished "
                f"in {BURST_LIMIT_NS / 1e9:.0f} s simulated"
            )
        t0, t1 = 0, sim.now
    else:
        _start_steady(sim, w, random.Random(w.seed ^ 0x5EED), nlocks)
        sim.run(warmup)
        baseline = take_baseline(sim, design)
        sim.at_code(warmup, TICK)
        sim.run(end)
        t0, t1 = warmup, end
    if progress is not None:
        progress(1.0)
    facts = RunFacts(sim=sim, census=census, design=design, store=real, workload=w,
                     t0=t0, t1=t1, baseline=baseline, wall_s=time.perf_counter() - wall0,
                     iterations_ns=main_items.iteration_ns if main_items else [],
                     command=command, shards=shards, costs=costs)  # fmt: skip
    return build_profile(facts)


def _resolved(w: Workload, seed: int | None, procs: int | None, n: int | None,
              sim_time_s: float | None) -> Workload:  # fmt: skip
    """The workload with the run's values in it, so the profile records what ran (and the
    plan sizes its caches for the real goroutine count)."""
    model = dataclasses.replace(
        w.model,
        gomaxprocs=procs if procs is not None else w.model.gomaxprocs,
        goroutines=n if n is not None else w.goroutines,
        sim_time_s=sim_time_s if sim_time_s is not None else w.model.sim_time_s,
    )
    return dataclasses.replace(w, model=model, seed=w.seed if seed is None else seed)


def _start_steady(sim: Sim, w: Workload, rng: random.Random, nlocks: int) -> None:
    """Every goroutine starts at a random moment within its first period (asleep till then)."""
    p = w.pacing
    spread = 1.0 / p.rate_per_thread if p.rate_per_thread else p.think_s
    asleep = census_key(SLEEPING, 0, 0, 0, nlocks)
    for g in sim.gs:
        t0 = round(rng.random() * spread * 1e9)
        g.t0 = t0
        sim.keys[g.id] = asleep
        sim.at(t0, g)


class _MainLoop:
    """The benchmark's main goroutine: per iteration ``go worker()`` N times, then Wait."""

    def __init__(self, w: Workload, spawn_ns: int, program: Program) -> None:
        self.program = program
        self.iterations = w.run.iterations
        self.n = w.goroutines
        self.spawn_ns = max(1, spawn_ns)
        self.done = 0
        self.started = -1
        self.iteration_ns: list[int] = []

    def __call__(self, sim: Sim, g: Goroutine) -> list[Item]:
        if self.done >= self.iterations:
            return [(SLEEP, BURST_LIMIT_NS, 0)]
        if self.started >= 0:  # back from wg.Wait: an iteration ended
            self.iteration_ns.append(sim.now - self.started)
            self.done += 1
        if self.done >= self.iterations:
            sim.stop()
            return [(SLEEP, BURST_LIMIT_NS, 0)]  # never wakes: the stop event comes first
        self.started = sim.now
        self.program.iteration = self.done  # workers spawned now run this iteration's plan
        items: list[Item] = []
        for gid in range(self.n):
            items.append((CPU, self.spawn_ns, 0))
            items.append((SPAWN, sim.gs[gid], 0))
        items.append((WAIT, 0, 0))
        return items

