"""What a run will cost before it starts: memory (refused above what the machine has) and,
for long runs, wall time (stated, and refused when absurd).

The figures are measured on the development machine (CPython 3.11, 64-bit) and rounded up:

* a series' label set: ~2.5 KiB for the 6-label benchmark template (300 B + ~350 B per label
  + its text twice: str and UTF-8 bytes); its store entry ~650 B plus ~150 B per component
  link (mutex ... percomponent alike, measured with 200,000 prepopulated series);
* a worker thread: 16 KiB RSS measured, counted 4x (stack pages touched under load);
* a simulated goroutine: 2-5 KiB measured (plan state, scheduler record), counted as 8 KiB;
* census samples kept per run: ~32 B each (threads), ~64 B each (model).

Model wall time is events / events-per-second (measured ~100,000-250,000 events/s here);
events come from the store calls per simulated second, bounded by what the Ps and the locks
can serve, plus the census samples (each counts every goroutine).
"""

from __future__ import annotations

from dataclasses import dataclass

from lsim.errors import LimitError
from lsim.workload.mixspec import MixSpec
from lsim.workload.model import Workload

MIB = 1 << 20
BASE_BYTES = 150 * MIB  # the interpreter, lsim's modules, the parent's own census
LABELSET_BASE = 300
LABEL_BYTES = 350
STORE_ENTRY = 650
LINK_BYTES = 150
THREAD_BYTES = 64 * 1024
GOROUTINE_BYTES = 8 * 1024
THREAD_SAMPLE_BYTES = 32
MODEL_SAMPLE_BYTES = 64
MEMORY_MARGIN = 0.9  # refuse above this share of the memory available now

EVENTS_PER_WALL_S = 150_000.0  # the model engine on this machine (measured 100k-250k)
SAMPLE_NS_PER_GOROUTINE = 40.0  # one census sample: Counter over every goroutine's key
SETUP_S_PER_GOROUTINE = 20e-6
SETUP_S_PER_SERIES = 15e-6
CALL_NS = 400.0  # a store call's virtual CPU time, with its share of the outside work
LOCK_HOLD_NS = 200.0  # a critical section: the most one lock serves is 1e9/200 calls/s
EVENTS_PER_CALL = 3.0  # a call, its lock hand-offs and wake-ups
NOTE_WALL_S = 30.0  # say how long a model run will take above this
MAX_WALL_S = 12 * 3600.0  # refuse a single run estimated above this


@dataclass(frozen=True)
class Estimate:
    """Bytes per part (``series``, ``threads``, ``goroutines``, ``census``, ``base``)."""

    parts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.parts.values())

    def describe(self) -> str:
        shown = sorted(self.parts.items(), key=lambda kv: -kv[1])
        return ", ".join(f"{name} {_size(n)}" for name, n in shown if n >= MIB)


def _size(n: float) -> str:
    return f"{n / (1 << 30):,.1f} GiB" if n >= 1 << 30 else f"{n / MIB:,.0f} MiB"


def series_bytes(w: Workload) -> int:
    """One series: its label set, its store entry and one link per component."""
    labels = w.series.template.formats()
    text = sum(len(name.encode("utf-8")) + _typical_bytes(fmt.max_bytes) for name, fmt in labels)
    label_set = LABELSET_BASE + LABEL_BYTES * len(labels) + 2 * text
    return 8 + label_set + STORE_ENTRY + LINK_BYTES * len(w.components)


def _typical_bytes(max_bytes: int) -> int:
    return min(max_bytes, 64) if max_bytes > 64 else max_bytes


def memory(w: Workload, engine: str, goroutines: int | None = None,
           sim_time_s: float | None = None, census_hz: float = 100.0) -> Estimate:  # fmt: skip
    """The memory ``w`` needs on ``engine`` (threads, model or go)."""
    parts = {"base": BASE_BYTES, "series": w.series.count * series_bytes(w)}
    if engine == "threads":
        parts["threads"] = w.threads.count * THREAD_BYTES
        window = w.run.duration_s if w.threads.mode == "steady" else _burst_guess_s(w)
        parts["census"] = int(window * census_hz) * THREAD_SAMPLE_BYTES
    else:
        n = goroutines or w.goroutines
        parts["goroutines"] = n * GOROUTINE_BYTES
        sim = sim_time_s or w.model.sim_time_s
        parts["census"] = int(sim * census_hz) * MODEL_SAMPLE_BYTES
    return Estimate(parts)


def _burst_guess_s(w: Workload) -> float:
    return w.run.iterations * max(1.0, w.threads.count / 2500)


def check_memory(estimate: Estimate, source: str, available: int | None) -> None:
    """Refuse a run whose estimate is above what this machine has available now."""
    if available is None or estimate.total <= available * MEMORY_MARGIN:
        return
    biggest = max(estimate.parts, key=lambda k: estimate.parts[k])
    hint = {
        "series": "fewer series (series.count)",
        "threads": "fewer threads",
        "goroutines": "fewer goroutines",
        "census": "a lower --census-hz or a shorter run",
        "base": "more free memory",
    }[biggest]
    raise LimitError(
        f"{source}: this run needs about {_size(estimate.total)} of memory "
        f"({estimate.describe()}), more than the {_size(available)} available on this "
        f"machine now; use {hint}"
    )


def calls_per_batch(w: Workload) -> float:
    b = w.behaviour
    if isinstance(b, MixSpec):
        return float(w.pacing.batch_size)
    comps = len(w.components) if b.component_select == "all" else 1
    return b.series_per_thread * (1.0 + comps) + b.fanout_stages


def model_wall_s(w: Workload, store: str, shards: int | None, gomaxprocs: int,
                 goroutines: int, sim_time_s: float, census_hz: float) -> float:  # fmt: skip
    """Rough wall seconds the model engine needs (within a factor of ~3)."""
    per_batch = calls_per_batch(w)
    locks = (shards or 1) if store == "sharded" else (1 if store in ("mutex", "rwmutex") else 8)
    capacity = min(gomaxprocs * 1e9 / CALL_NS, locks * 1e9 / LOCK_HOLD_NS)
    if w.threads.mode == "burst":
        calls = goroutines * per_batch * w.run.iterations
        virtual_s = calls / capacity
    else:
        p = w.pacing
        if p.rate_per_thread:
            demand = goroutines * p.rate_per_thread * per_batch
        elif p.think_s:
            demand = goroutines * per_batch / p.think_s
        else:
            demand = capacity
        calls = min(demand, capacity) * sim_time_s
        virtual_s = sim_time_s
    samples = virtual_s * census_hz
    events = calls * EVENTS_PER_CALL + goroutines
    census_s = samples * goroutines * SAMPLE_NS_PER_GOROUTINE / 1e9
    setup_s = goroutines * SETUP_S_PER_GOROUTINE + w.series.prepopulated * SETUP_S_PER_SERIES
    return events / EVENTS_PER_WALL_S + census_s + setup_s


def describe_wall(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:,.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds:,.0f} s"
