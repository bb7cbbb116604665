"""The published-fact experiments, shared by the slow tests and a printed report.

``python -m tests.engine.model.facts`` runs every experiment and prints the model's numbers
next to the published ones (a few minutes on the 2-core dev machine).

Loads (the workload files are used as written except where stated):

* ``production_saturating``: ``workloads/alloy-production.yaml`` at 53,998 goroutines with
  enough load to saturate the mutex inside a 200 ms window: a batch of 5 samples every 50 ms
  per goroutine instead of 25 every 2 s. A 2 s period cannot build the dump's backlog in
  200 ms of simulated time (each goroutine would scrape at most once), and the file's own
  rate offers 675,000 samples/s, which the model's mutex serves at ~24% utilisation.
* ``production_closed``: the same pipeline with no pause at all (closed loop).
* ``high_contention``: ``workloads/alloy-high-contention.yaml`` with the scrape/WAL costs
  set to 0 (Alloy's benchmark calls the store and nothing else).
* ``collapse(rate)``: the production pipeline (25 samples per batch) at 5,000 goroutines and
  ``rate`` batches per second, for the all-or-nothing starvation collapse.

Runs that stay below saturation (sharded on 64 Ps) simulate 100 ms instead of 200 ms: start
phases are spread over the pacing period, so their steady state starts at once, and half
the simulated time halves the test time.
"""

from __future__ import annotations

import dataclasses
import statistics
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lsim.engine.model import run_model
from lsim.profile.model import Profile
from lsim.workload.load import load_workload
from lsim.workload.model import PacingSpec, Workload

ROOT = Path(__file__).resolve().parents[3]
N_PRODUCTION = 53_998


def production_saturating() -> Workload:
    w = load_workload(ROOT / "workloads" / "alloy-production.yaml")
    return dataclasses.replace(
        w,
        pacing=dataclasses.replace(w.pacing, rate_per_thread=20.0),
        behaviour=dataclasses.replace(w.behaviour, series_per_thread=5),
    )


def production_closed() -> Workload:
    w = load_workload(ROOT / "workloads" / "alloy-production.yaml")
    return dataclasses.replace(w, pacing=PacingSpec())


def high_contention(iterations: int = 3) -> Workload:
    w = load_workload(ROOT / "workloads" / "alloy-high-contention.yaml")
    costs = {**w.model.costs, "scrape_parse_ns": 0.0, "wal_append_ns": 0.0}
    model = dataclasses.replace(w.model, costs=MappingProxyType(costs))
    runs = dataclasses.replace(w.run, iterations=iterations)
    return dataclasses.replace(w, model=model, run=runs)


def collapse(rate: float) -> Workload:
    base = production_saturating()
    return dataclasses.replace(
        base,
        behaviour=dataclasses.replace(base.behaviour, series_per_thread=25),
        pacing=dataclasses.replace(base.pacing, rate_per_thread=rate),
    )


def quantiles(p: Profile) -> tuple[float, float, float]:
    """p10 / p50 / p90 of blocked goroutines per census sample."""
    b = p.blocked_per_sample
    q = statistics.quantiles(b, n=10, method="inclusive")
    return q[0], statistics.median(b), q[-1]


def summary(p: Profile) -> dict[str, Any]:
    states = {k: v / p.threads for k, v in p.state_means().items()}
    blocked_ops = {k: v / p.threads for k, v in p.blocked_by_operation().items()}
    return {
        "store": p.store + (f"-{p.store_options['shards']}" if p.store_options else ""),
        "gomaxprocs": p.machine["gomaxprocs"],
        "goroutines": p.threads,
        "blocked": p.blocked_share(),
        "runnable": states.get("runnable", 0.0),
        "blocked_by_op": blocked_ops,
        "ops_per_s": p.ops_per_s,
        "p10_p50_p90": quantiles(p),
        "in_unlock": sum(t.in_unlock for t in p.representative),
        "regime": f"{p.regime}: {p.regime_reason}",
        "iteration_ms": p.timings.get("iteration_ns_median", 0.0) / 1e6,
    }


def run(w: Workload, store: str, **kw: Any) -> Profile:
    return run_model(w, store, **kw)


def main() -> None:
    prod = production_saturating()
    runs: list[tuple[str, Profile]] = [
        ("F1/F2/F3 paced", run(prod, "mutex", goroutines=N_PRODUCTION, gomaxprocs=64)),
        ("F2 paced", run(prod, "rwmutex", goroutines=N_PRODUCTION, gomaxprocs=64)),
    ]
    shards: int | None
    for shards in (32, 64):
        runs.append((f"F3 paced, {shards} shards", run(
            prod, "sharded", shards=shards, goroutines=N_PRODUCTION, gomaxprocs=64,
            sim_time_s=0.1)))  # fmt: skip
    runs.append(("F3 paced, few Ps", run(prod, "sharded", shards=64, goroutines=N_PRODUCTION,
                                         gomaxprocs=2, sim_time_s=0.1)))  # fmt: skip
    closed = production_closed()
    designs: tuple[tuple[str, int | None], ...] = (("mutex", None), ("sharded", 64))
    for store, shards in designs:
        runs.append(("F3 closed loop", run(closed, store, shards=shards, goroutines=5_000,
                                           gomaxprocs=8, sim_time_s=0.05)))  # fmt: skip
    hc = high_contention()
    for store, shards in (("mutex", None), ("sharded", 32)):
        runs.append(("F4/F5 burst", run(hc, store, shards=shards)))
    for rate, sim_s in ((12.0, 0.3), (18.0, 0.5)):
        profile = run(collapse(rate), "mutex", goroutines=5_000, gomaxprocs=64, sim_time_s=sim_s)
        runs.append((f"F5 collapse, rate {rate:g}", profile))
    for label, profile in runs:
        s = summary(profile)
        ops = ", ".join(f"{k} {v:.1%}" for k, v in s["blocked_by_op"].items() if v >= 0.001)
        q = "/".join(f"{x:,.0f}" for x in s["p10_p50_p90"])
        print(f"{label:<26} {s['store']:<11} P={s['gomaxprocs']:<3} blocked {s['blocked']:6.1%} "
              f"runnable {s['runnable']:6.1%} ops/s {s['ops_per_s']:>12,.0f} p10/50/90 {q} "
              f"in-Unlock {s['in_unlock']} iter {s['iteration_ms']:.2f} ms [{ops}] "
              f"{s['regime']}")  # fmt: skip


if __name__ == "__main__":
    main()
