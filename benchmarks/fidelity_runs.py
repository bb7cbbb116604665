"""Fidelity's cells and one run of each engine, summarised as the table reads it: the
workloads (closed-loop mix 48/44/8 at 0% or 50% new label sets, 2,000 or 20,000 goroutines;
``alloy-high-contention``), ``--engine go`` and the model with the calibrated costs."""

from __future__ import annotations

import dataclasses
import statistics
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fidelity_mechanisms import mechanism_fields, words_run

from lsim.profile.model import Profile
from lsim.workload.load import load_workload, parse_workload
from lsim.workload.model import Workload

ROOT = Path(__file__).resolve().parent.parent
MIX = {"GetOrAddGlobalRefID": 48.0, "GetLocalRefID": 44.0, "AddLocalLink": 8.0}
CELLS = ("mix0-2k", "mix50-2k", "mix0-20k", "mix50-20k", "hc")
SHARDS = 64
BLOCKED_SLACK = 0.10
RATIO_FACTOR = 1.5
GO_WARMUP_S = 0.3  # each run's warm-up before its window (real Go's and the model's)
NO_OUTSIDE_WORK = {"scrape_parse_ns": 0.0, "wal_append_ns": 0.0}  # the go engine does neither


def cell_workload(cell: str, window_s: float = 1.0) -> Workload:
    if cell == "hc":
        w = load_workload(ROOT / "workloads" / "alloy-high-contention.yaml")
        return w.with_overrides(iterations=3)
    new = 0.5 if cell.startswith("mix50") else 0.0
    goroutines = 20_000 if cell.endswith("20k") else 2_000
    return parse_workload(
        {
            "name": cell, "seed": 1, "threads": {"count": goroutines},
            "run": {"duration_s": window_s, "warmup_s": GO_WARMUP_S},
            "series": {"count": 10_000, "prepopulated": 10_000, "template": "alloy-benchmark"},
            "components": 1, "ops": {"mix": MIX, "draw": {"new_series": new}},
            "model": {"costs": NO_OUTSIDE_WORK},
        },
        f"<fidelity {cell}>",
    )  # fmt: skip


def summary(p: Profile) -> dict[str, Any]:
    n = max(1, p.threads)
    per = sorted(b / n for b in p.blocked_per_sample) or [0.0]
    q = statistics.quantiles(per, n=10, method="inclusive") if len(per) > 1 else [per[0]] * 9
    split = {k: v / n for k, v in p.blocked_by_operation().items()}
    acq = sum(lk.acquisitions for lk in p.locks if lk.mode == "write")
    handoffs = sum(lk.handoffs for lk in p.locks)
    return {
        "blocked": p.blocked_share(),
        "ops_per_s": p.ops_per_s,
        "goa": split.get("GetOrAddGlobalRefID", 0.0),
        "local": split.get("GetLocalRefID", 0.0),
        "q": [q[0], statistics.median(per), q[-1]],
        "never_ran": sum(1 for x in p.thread_ops if x == 0),
        "handoffs": handoffs,
        "starving": handoffs / acq if acq else 0.0,
        "starvation_entries": sum(lk.starvation_entries for lk in p.locks),
        "foreign": float(p.machine.get("foreign_cores", 0.0) or 0.0),
        "samples": len(p.blocked_per_sample),
        # blocked, or runnable with a lock's frames on top (woken by an Unlock and not run
        # since, or yielded inside Unlock after a hand-off): real Go's convoy on one mutex at
        # P=2 sits mostly there, in the run queues, where the model's sits in the lock queue
        "lock_bound": (
            sum(c.thread_samples for c in p.census if c.lock) / max(1, p.census_samples) / n
        ),
        # the block profile's store wait / window (Little's law): every wait that ended in the
        # window, where the census sees only its few stop-the-world moments
        "ll_blocked": float(
            p.integrations.get("littles_law", {}).get("block_profile_blocked_mean", 0.0)
        )
        / n,
        # goroutines parked on store locks, from the locks' own words read every 200 us
        # without stopping the world (sync.Map's locks are not read): the clean run's, or
        # the census run's where the clean run has none (older caches at GOMAXPROCS 1)
        "words_blocked": float(words_run(p.integrations).get("waiters_mean", 0.0)) / n,
        "iteration_ms": p.timings.get("iteration_ns_median", 0.0) / 1e6,
        "wall_s": p.timings.get("wall_s", 0.0),
        **mechanism_fields(p.integrations),
    }


def whole(p: Profile) -> Profile:
    """``p``, unless its run was cut short (Ctrl-C, SIGTERM): then the benchmark stops, so
    that a shorter window is never cached as the cell's result."""
    from lsim.engine.build import INTERRUPTED

    cut = [note for note in p.notes if note.startswith(INTERRUPTED)]
    if cut:
        raise SystemExit(f"{cut[0]}; not cached, stopping")
    return p


def go_run(w: Workload, design: str, procs: int) -> dict[str, Any]:
    from lsim.engine.go import go_run_of, run_go

    shards = SHARDS if design == "sharded" else None
    return summary(whole(run_go(go_run_of(w, design, shards, None, procs, 100.0))))


def model_run(w: Workload, design: str, procs: int, seed: int, sim_s: float,
              costs: dict[str, float]) -> dict[str, Any]:  # fmt: skip
    from lsim.engine.model import run_model

    merged = {**w.model.costs, **costs, **NO_OUTSIDE_WORK}
    w = dataclasses.replace(w, model=dataclasses.replace(w.model, costs=MappingProxyType(merged)))
    shards = SHARDS if design == "sharded" else None
    p = run_model(w, design, shards=shards, seed=seed, gomaxprocs=procs,
                  goroutines=w.threads.count, sim_time_s=sim_s)  # fmt: skip
    return summary(whole(p))
