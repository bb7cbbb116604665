"""``lsim calibrate``'s burst step: what one fresh goroutine costs beyond its calls.

In burst mode (Alloy's ``BenchmarkHighContention``: every iteration starts 20,000
goroutines that each make a few store calls and exit) a goroutine's life has costs that no
closed loop shows. Its stack starts at Go's starting size (2 KB, or the average of the
stacks the last GC scanned: ``runtime/stack.go``, ``startingStackSize``) and is copied to
twice the size at each overflow (``newstack`` -> ``copystack``); a grown stack is freed at
exit rather than reused (``gfput``); the new stack's lines and the goroutine's first data
are cold. On this machine a goroutine that needs 8 KB of stack costs ~2 us more than one
that needs none (measured with a throwaway program: 20,000 goroutines per round, each
calling a 512-byte frame N deep).

This step measures the whole of it on ``--engine go`` rather than its parts: the median
iteration of the benchmark's own workload (:func:`burst_workload`) at GOMAXPROCS=1, where
the goroutines run one after another and no lock is contended, minus the model's iteration
with ``burst_goroutine_ns`` 0 and every other cost as calibrated, per goroutine. The model
then charges it as CPU work at the start of every spawned goroutine. Two designs are
measured (``BURST_DESIGNS``) and the median of their residuals is kept.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable
from types import MappingProxyType

from lsim.workload.load import parse_workload
from lsim.workload.model import Workload

BURST_DESIGNS = ("mutex", "sharded")
BURST_SHARDS = 32  # the benchmark's sharded variant
Progress = Callable[[str], None]
IterationNs = Callable[[Workload, str], float]  # (workload, design) -> ns per iteration


def burst_workload(iterations: int, goroutines: int = 20_000) -> Workload:
    """``workloads/alloy-high-contention.yaml`` (Alloy's BenchmarkHighContention) at
    GOMAXPROCS=1, written out here because an installed lsim has no ``workloads/``."""
    return parse_workload({
        "name": "calibrate-burst", "seed": 1,
        "threads": {"count": goroutines, "mode": "burst"},
        "run": {"duration_s": 60.0, "iterations": iterations, "warmup_s": 0.0},
        "series": {"count": 10_000, "prepopulated": 5_000, "template": "alloy-benchmark",
                   "churn": {"fraction_per_cycle": 0.0}, "layout": "stringlabels"},
        "components": 5,
        "ops": {"pipeline": {
            "relabel": True, "series_per_thread": 1, "series_select": "stride",
            "series_stride": 7, "component_select": "by_thread", "local_ids": "benchmark",
            "wal_ref_change_probability": 0.0, "fanout_stages": 1,
            "track_every_n_threads": 10, "stale_per_batch": 1, "track_live": False,
            "collect_every": 10, "gc_every": 0}},
        "model": {"gomaxprocs": 1, "sim_time_s": 60.0,
                  "costs": {"scrape_parse_ns": 0.0, "wal_append_ns": 0.0}},
    }, "<calibrate burst>")  # fmt: skip


def _shards(design: str) -> int | None:
    return BURST_SHARDS if design == "sharded" else None


def go_iteration_ns(w: Workload, design: str, repeats: int = 2) -> float:
    """Real Go's median iteration (``--engine go``, clean run, GOMAXPROCS=1), the fastest of
    ``repeats`` runs (other load on the machine only ever slows one)."""
    from lsim.engine.go import go_run_of, run_go

    runs = [run_go(go_run_of(w, design, _shards(design), None, 1, 100.0)) for _ in range(repeats)]
    return min(p.timings.get("iteration_ns_median", 0.0) for p in runs)


def model_iteration_ns(w: Workload, design: str, costs: dict[str, float]) -> float:
    from lsim.engine.model import run_model

    merged = MappingProxyType({**w.model.costs, **costs})
    model = dataclasses.replace(w.model, costs=merged)
    p = run_model(dataclasses.replace(w, model=model), design, shards=_shards(design),
                  census_rate_hz=100.0)  # fmt: skip
    return float(p.timings.get("iteration_ns_median", 0.0))


def fit_burst(costs: dict[str, float], *, quick: bool = False, progress: Progress | None = None,
              measure: IterationNs = go_iteration_ns, goroutines: int = 20_000,
              ) -> tuple[float, dict[str, dict[str, float]]]:  # fmt: skip
    """``burst_goroutine_ns`` (>= 0) and, per design, the measured and modelled iterations."""
    w = burst_workload(3 if quick else 5, goroutines)
    n = w.threads.count
    without = {**costs, "burst_goroutine_ns": 0.0}
    cells: dict[str, dict[str, float]] = {}
    for design in BURST_DESIGNS:
        if progress is not None:
            progress(f"burst goroutines, {design}")
        go, model = measure(w, design), model_iteration_ns(w, design, without)
        cells[f"{design}/burst iteration"] = {"measured_ns": go, "fixed_ns": model,
                                              "residual_ns": (go - model) / n}  # fmt: skip
    value = max(0.0, round(statistics.median(c["residual_ns"] for c in cells.values()), 1))
    for cell in cells.values():
        cell["model_ns"] = cell["fixed_ns"] + value * n
    return value, cells
