"""``run_model``: build a simulated Go service for a workload and a design, run it, report
(``simulate`` returns the run's record, ``lsim.engine.build`` makes the profile of it).

Steady mode: ``goroutines`` long-lived goroutines run their endless plans for ``sim_time``;
each starts at a random moment within its first pacing period (Prometheus spreads scrape
offsets the same way), and the first quarter of the run (or ``run.warmup_s`` if shorter) is
warm-up, excluded from every statistic. Burst mode: a main goroutine spawns the goroutines
afresh (``wg.Add(1); go f()``, serial, ``spawn_ns`` each) and waits for all of them (each
worker ends with ``wg.Done``, an atomic on the shared counter, and ``exit_ns``), ``run.iterations``
times, like Alloy's benchmark; the census covers the whole run.

Ctrl-C or SIGTERM (a flag, see ``lsim.engine.interrupt``) stops the simulation at the virtual
time it reached; the profile of that shorter window is returned, marked interrupted.
"""

from __future__ import annotations

import dataclasses
import gc
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lsim.engine import interrupt
from lsim.engine.model import designs_maps  # noqa: F401  (registers the map designs)
from lsim.engine.model.census import Census
from lsim.engine.model.core import (
    ATOMIC,
    CPU,
    EXIT,
    SLEEP,
    SLEEPING,
    SPAWN,
    WAIT,
    AtomicWord,
    Goroutine,
    Item,
    census_key,
)
from lsim.engine.model.designs import DESIGNS
from lsim.engine.model.locks_report import writer_mutexes
from lsim.engine.model.program import Program
from lsim.engine.model.report import Baseline, RunFacts, model_record, take_baseline
from lsim.engine.model.script import Costs
from lsim.engine.model.sim import TICK, Sim
from lsim.engine.record import RunRecord
from lsim.errors import ConfigError
from lsim.profile.model import Profile
from lsim.stores import create_store, store_options
from lsim.workload.enginespecs import MAX_SIM_TIME_S
from lsim.workload.model import Workload
from lsim.workload.plan import prepopulate
from lsim.workload.series import SeriesSet

WARMUP_SHARE = 0.25
BURST_LIMIT_NS = 60 * 10**9  # a burst run that needs more virtual time than this is stuck
SPIN_ROUNDS = 4  # Go's active_spin
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
# Cyclic-GC thresholds while a model runs (issue 15). The run allocates millions of
# short-lived tuples and keeps ~1M long-lived objects (goroutines, plans, the store), so at
# Python's default (700, 10, 10) the collector ran ~2,000 young and ~13 full collections per
# production-dump run, a full one traversing every live object: 15-25% of the run's CPU. The
# model makes almost no cyclic garbage (19 objects in that run), so collecting young objects
# every 100,000 allocations and the old ones almost never costs nothing in memory.
_RUN_GC_THRESHOLDS = (100_000, 20, 100)


def parse_sim_time(text: str) -> float:
    """``"200ms"`` -> 0.2 (seconds). Accepts ns, us, ms, s (a bare number is seconds)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ns|us|µs|ms|s)?\s*", text)
    if not match or float(match.group(1)) <= 0:
        shown = repr(text) if len(text) <= 40 else repr(text[:37]) + "..."
        raise ConfigError(
            f"expected a positive duration such as 200ms, 1.5s, 500us or 100000ns "
            f"(units: ns, us, ms, s), got {shown}", source="--sim-time",
        )  # fmt: skip
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if not 1e-6 <= seconds <= MAX_SIM_TIME_S:
        raise ConfigError(
            f"must be between 1us and {MAX_SIM_TIME_S:g}s of simulated time "
            f"(got {match.group(1)}{match.group(2) or 's'})", source="--sim-time",
        )  # fmt: skip
    return seconds


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

    def __getattr__(self, name: str) -> Any:  # the rest of the store (directfanout's mappings)
        return getattr(self.store, name)


def run_model(
    workload: Workload, store: str, *, shards: int | None = None, seed: int | None = None,
    gomaxprocs: int | None = None, goroutines: int | None = None, sim_time_s: float | None = None,
    census_rate_hz: float = 1000.0, progress: Callable[[float], None] | None = None,
    command: str = "",
) -> Profile:  # fmt: skip
    """Simulate ``workload`` on design ``store``; None means the workload's own value."""
    from lsim.engine.build import build_profile

    return build_profile(simulate(
        workload, store, shards=shards, seed=seed, gomaxprocs=gomaxprocs,
        goroutines=goroutines, sim_time_s=sim_time_s, census_rate_hz=census_rate_hz,
        progress=progress, command=command,
    ))  # fmt: skip


def simulate(
    workload: Workload, store: str, *, shards: int | None = None, seed: int | None = None,
    gomaxprocs: int | None = None, goroutines: int | None = None, sim_time_s: float | None = None,
    census_rate_hz: float = 1000.0, progress: Callable[[float], None] | None = None,
    command: str = "",
) -> RunRecord:  # fmt: skip
    """``run_model``'s measurement, before it is a profile (``lsim.engine.build``)."""
    if store not in DESIGNS:
        raise ConfigError(f"unknown store {store!r}; known stores: {', '.join(DESIGNS)}",
                          source="--store")  # fmt: skip
    if census_rate_hz <= 0:
        raise ConfigError(f"must be > 0 (got {census_rate_hz})", source="census_rate_hz")
    wall0 = time.perf_counter()
    with interrupt.interruptible(), _rare_collections():
        model = _Model(_resolved(workload, seed, gomaxprocs, goroutines, sim_time_s), store,
                       shards, round(1e9 / census_rate_hz), progress)  # fmt: skip
        t0, t1, baseline = model.run_burst() if model.main else model.run_steady()
        if progress is not None and not model.interrupted:
            progress(1.0)
        interrupted = ""
        if model.interrupted:
            interrupted = (f"simulated {model.sim.now / 1e6:,.3f} ms of "
                           f"{model.w.model.sim_time_s * 1e3:g} ms (Ctrl-C or SIGTERM); the "
                           "profile covers the virtual time reached")  # fmt: skip
        return model_record(RunFacts(
            sim=model.sim, census=model.census, design=model.design, store=model.store,
            workload=model.w, t0=t0, t1=t1, baseline=baseline,
            wall_s=time.perf_counter() - wall0,
            iterations_ns=model.main.iteration_ns if model.main else [], command=command,
            shards=shards, costs=model.costs, interrupted=interrupted,
            pending_mean=model.pending / max(1, model.census.samples),
        ))  # fmt: skip


@contextmanager
def _rare_collections() -> Iterator[None]:
    """Within the block, the cyclic GC runs at :data:`_RUN_GC_THRESHOLDS` (the caller's
    thresholds come back after it). Results do not depend on it: nothing in a run reads
    object addresses or collection timing."""
    before = gc.get_threshold()
    gc.set_threshold(*_RUN_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


class _Model:
    """The pieces of one run: real store (results), design (timing), program, sim, census."""

    def __init__(self, w: Workload, store: str, shards: int | None, census_ns: int,
                 progress: Callable[[float], None] | None) -> None:  # fmt: skip
        self.w = w
        self.n = n = w.goroutines
        self.costs = c = Costs.from_mapping(w.model.costs)
        self.progress = progress
        self.store = create_store(store, shards=shards if store == "sharded" else None,
                                  layout=w.series.layout, clock=self.clock_s,
                                  **store_options(store, w))  # fmt: skip
        self.design = DESIGNS[store](c, w.components, shards, self.store)
        series = SeriesSet(w.series)
        self.program = Program(w, self.design, self.store, series, c, random.Random(w.seed),
                               self.clock_s, reuse_hits=True)  # fmt: skip
        prepopulate(_Known(self.store, self.program.known), w, series)
        burst = w.threads.mode == "burst"
        self.wg = AtomicWord("sync.WaitGroup")  # burst mode: wg.Add by main, wg.Done by each
        self.main = _MainLoop(w, c, self.wg, self.program) if burst else None
        self.warmup = 0 if burst else round(
            min(w.run.warmup_s, WARMUP_SHARE * w.model.sim_time_s) * 1e9)  # fmt: skip
        nlocks = len(self.design.locks) + 1
        # steady mode: the program's own method (one call less per plan step); Ctrl-C is
        # then seen at the next census tick (1 ms simulated at the default rate, ~50 ms wall)
        next_items = self.next_items if self.main is not None else self.program.next_items
        self.sim = Sim(nprocs=w.model.gomaxprocs, goroutines=n + burst, nlocks=nlocks,
                       switch_ns=c.switch, wakep_ns=c.wakep, spin_ns=c.spin,
                       spin_rounds=SPIN_ROUNDS, cas_retry_ns=c.cas_retry,
                       next_items=next_items, warmup_ns=self.warmup, futex_ns=c.futex,
                       steal_backoff_ns=c.steal_backoff, line_ns=c.line,
                       seed=w.seed, resume=c.resume)  # fmt: skip
        if burst:  # a worker's end: wg.Done (an atomic on the shared counter), goexit0
            self.sim.exit_items = [(ATOMIC, self.wg, max(1, c.atomic)), (CPU, max(1, c.exit), 0),
                                   (EXIT, 0, 0)]  # fmt: skip
            if c.burst_goroutine:  # a fresh goroutine's start-up: its stack grows, and more
                self.sim.start_items = [(CPU, c.burst_goroutine, 0)]
        self.census = Census(self.sim, n, nlocks, census_ns, writer_mutexes(self.design.locks))
        self.sim.on_tick = self.tick
        self.end = round(w.model.sim_time_s * 1e9)
        self.signals = interrupt.state
        self.interrupted = False
        self.pending = 0  # heap sizes summed over census ticks

    def check_interrupt(self) -> None:
        """Ctrl-C arrived (the handler set a flag): stop at the virtual time reached."""
        if self.signals.requested and not self.interrupted:
            self.interrupted = True
            self.sim.stop()

    def clock_s(self) -> float:
        """The store's clock (staleness timestamps): virtual seconds."""
        return self.sim.now / 1e9 if hasattr(self, "sim") else 0.0

    def next_items(self, g: Goroutine) -> list[Item] | None:
        if self.signals.requested:
            self.check_interrupt()
        if self.main is not None and g.id == self.n:
            return self.main(self.sim, g)
        return self.program.next_items(g)

    def tick(self, sim: Sim) -> int:
        if self.signals.requested:
            self.check_interrupt()
        self.census.sample()
        self.pending += len(sim.heap)  # events pending: the heap size the loop works at
        if self.progress is not None and self.census.samples % 20 == 0:
            if self.main is not None:
                done = self.main.done / self.main.iterations
            else:
                done = sim.now / self.end
            self.progress(min(1.0, done))
        return sim.now + self.census.interval_ns

    def run_steady(self) -> tuple[int, int, Baseline]:
        """Warm-up, then the measured window; every statistic starts at the baseline."""
        sim = self.sim
        _start_steady(sim, self.w, random.Random(self.w.seed ^ 0x5EED), self.census.nlocks)
        sim.run(self.warmup)
        baseline = take_baseline(sim, self.design)
        if self.interrupted:  # during warm-up: an empty window
            return sim.now, sim.now, baseline
        sim.at_code(self.warmup, TICK)
        sim.run(self.end)
        return self.warmup, sim.now if self.interrupted else self.end, baseline

    def run_burst(self) -> tuple[int, int, Baseline]:
        sim, main = self.sim, self.main
        assert main is not None
        sim.at(0, sim.gs[self.n])
        sim.at_code(0, TICK)
        baseline = take_baseline(sim, self.design)
        sim.run(BURST_LIMIT_NS)
        if main.done < main.iterations and not self.interrupted:
            raise RuntimeError(
                f"model stuck: {main.done} of {main.iterations} iterations finished "
                f"in {BURST_LIMIT_NS / 1e9:.0f} s simulated"
            )
        return 0, sim.now, baseline


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

    def __init__(self, w: Workload, c: Costs, wg: AtomicWord, program: Program) -> None:
        self.program = program
        self.iterations = w.run.iterations
        self.n = w.goroutines
        self.wg = wg
        self.atomic_ns = max(1, min(c.atomic, c.spawn))  # wg.Add's share of the go statement
        self.spawn_ns = max(1, c.spawn - self.atomic_ns)
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
            items.append((ATOMIC, self.wg, self.atomic_ns))  # wg.Add(1)
            items.append((CPU, self.spawn_ns, 0))  # newproc
            items.append((SPAWN, sim.gs[gid], 0))
        items.append((WAIT, 0, 0))
        return items
