"""Speed of the model engine: simulated events per second and wall time per run.

Run: python benchmarks/model_speed.py [--store mutex] [--shards N] [--load file|saturating]

Default case (issue 10's target: under 60 s on the 2-core dev machine): the production
workload, ``workloads/alloy-production.yaml``, at 53,998 goroutines on 64 Ps for 200 ms of
simulated time. ``--load file`` runs the workload as written (a scrape of 25 series every 2 s
per goroutine: the mutex is NOT saturated in the model at that rate); ``--load saturating``
runs the variant the published-fact tests use (5 series every 50 ms per goroutine, which
saturates the mutex); ``--load both`` (default) runs both. Wall time includes building the
store (50,000 prepopulated series) and the plans; CPU time is printed too, because wall time
on a shared machine also measures the neighbours.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from lsim.engine.model import parse_sim_time, run_model
from lsim.workload.load import load_workload
from lsim.workload.model import Workload

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ROOT / "workloads" / "alloy-production.yaml"


def saturating(w: Workload) -> Workload:
    """The fact tests' load: 5 samples per batch, one batch every 50 ms per goroutine."""
    return dataclasses.replace(
        w,
        pacing=dataclasses.replace(w.pacing, rate_per_thread=20.0),
        behaviour=dataclasses.replace(w.behaviour, series_per_thread=5),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--store", default="mutex")
    parser.add_argument("--shards", type=int, default=None)
    parser.add_argument("--goroutines", type=int, default=53_998)
    parser.add_argument("--gomaxprocs", type=int, default=64)
    parser.add_argument("--sim-time", default="200ms")
    parser.add_argument("--load", choices=("file", "saturating", "both"), default="both")
    parser.add_argument("--workload", type=Path, default=PRODUCTION)
    args = parser.parse_args()
    base = load_workload(args.workload)
    loads = ("file", "saturating") if args.load == "both" else (args.load,)
    print(f"{'load':<11} {'store':<12} {'events':>10} {'events/s':>10} {'wall s':>7} "
          f"{'cpu s':>7} {'store ops':>10} {'blocked':>8}  regime")  # fmt: skip
    for load in loads:
        w = saturating(base) if load == "saturating" else base
        wall0, cpu0 = time.perf_counter(), time.process_time()
        profile = run_model(
            w, args.store, shards=args.shards, goroutines=args.goroutines,
            gomaxprocs=args.gomaxprocs, sim_time_s=parse_sim_time(args.sim_time),
        )  # fmt: skip
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        events = profile.timings["events"]
        store = args.store + (f"-{args.shards}" if args.shards else "")
        print(f"{load:<11} {store:<12} {events:>10,.0f} {events / wall:>10,.0f} {wall:>7.1f} "
              f"{cpu:>7.1f} {profile.total_ops:>10,} {profile.blocked_share():>8.1%}  "
              f"{profile.regime}")  # fmt: skip


if __name__ == "__main__":
    main()
