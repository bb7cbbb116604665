"""Real Go's answer and its spread: every shipped workload x design on ``--engine go``.

Run: python benchmarks/go_engine.py [--repeat 5] [--duration 1] [--workloads a,b]
     [--designs mutex,sharded] [--gomaxprocs 2] [--startup]

For each (workload, design) it runs the go engine ``--repeat`` times, interleaved (every
design once per round, so drift on a shared machine falls on all alike), and prints the
median and min-max of throughput (clean runs) and blocked share (census runs), the
per-sample p10/p50/p90 of blocked goroutines, the census run's throughput as a share of the
clean run's, the Little's-law cross-check, and the CPU other processes used in each run.
``--startup`` also measures how long 20,000 goroutines take to start and the wall time of a
whole ``lsim run --engine go`` with a 2 s window (the build already cached).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lsim.engine.go import go_run_of, run_go
from lsim.profile.model import Profile
from lsim.profile.report import percentile
from lsim.stores import STORE_NAMES
from lsim.workload.load import load_workload
from lsim.workload.model import Workload

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "workloads").glob("*.yaml"))


def shortened(w: Workload, duration: float) -> Workload:
    if w.threads.mode == "burst":
        return w.with_overrides(iterations=min(w.run.iterations, 5))
    return w.with_overrides(duration_s=duration, warmup_s=min(w.run.warmup_s, 0.5))


def one_run(w: Workload, design: str, procs: int | None) -> Profile:
    shards = 64 if design == "sharded" else None
    return run_go(go_run_of(w, design, shards, None, procs, 100.0))


def row(workload: str, design: str, runs: list[Profile]) -> str:
    ops = [p.ops_per_s for p in runs]
    blocked = [p.blocked_share() for p in runs]
    per_sample = sorted(b / max(1, p.threads) for p in runs for b in p.blocked_per_sample)
    census_ratio = [p.timings.get("census_run_throughput_ratio", 0.0) for p in runs]
    # census / block-profile mean blocked; runs with no store wait at all have no ratio
    law = [p.integrations.get("littles_law", {}).get("ratio", 0.0) for p in runs]
    law = [x for x in law if x] or [float("nan")]
    foreign = ",".join(f"{p.machine.get('foreign_cores', 0.0):.2f}" for p in runs)
    pcts = "/".join(f"{percentile(per_sample, q):.0%}" for q in (10, 50, 90))
    return (
        f"{workload:24} {design:12} {len(runs):>2} {statistics.median(ops):>11,.0f} "
        f"{min(ops):>10,.0f}-{max(ops):<10,.0f} {statistics.median(blocked):>6.1%} "
        f"{min(blocked):>6.1%}-{max(blocked):<6.1%} {pcts:>14} "
        f"{statistics.median(census_ratio):>6.0%} {statistics.median(law):>5.2f}  {foreign}"
    )


def startup(procs: int | None) -> None:
    w = load_workload(ROOT / "workloads" / "alloy-production.yaml").with_overrides(
        threads=20_000, duration_s=0.5, warmup_s=0.2
    )
    p = run_go(go_run_of(w, "mutex", None, 20_000, procs, 100.0))
    print(f"20,000 goroutines started in {p.timings['start_s']:.3f} s (clean run)")
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "lsim", "run", "--engine", "go", "--duration", "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - t
    print(f"lsim run --engine go --duration 2: {wall:.1f} s wall (exit {done.returncode})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--workloads", default=",".join(p.stem for p in SHIPPED))
    parser.add_argument("--designs", default=",".join(STORE_NAMES))
    parser.add_argument("--gomaxprocs", type=int, default=None)
    parser.add_argument("--startup", action="store_true")
    args = parser.parse_args()
    if args.startup:
        startup(args.gomaxprocs)
    designs = args.designs.split(",")
    print(
        f"{'workload':24} {'design':12} {'n':>2} {'ops/s med':>11} {'min-max':^21} "
        f"{'blocked':>6} {'min-max':^13} {'p10/p50/p90':>14} {'census':>6} {'LL':>5}  "
        "foreign cores per run"
    )
    for name in filter(None, args.workloads.split(",")):
        w = shortened(load_workload(ROOT / "workloads" / f"{name}.yaml"), args.duration)
        runs: dict[str, list[Profile]] = {d: [] for d in designs}
        for _ in range(args.repeat):
            for design in designs:
                runs[design].append(one_run(w, design, args.gomaxprocs))
        for design in designs:
            print(row(name, design, runs[design]), flush=True)
    print(
        "\nops/s: clean runs (no sampler); blocked: census runs; census: census-run "
        "throughput / clean; LL: census mean blocked / (block-profile store wait / elapsed)"
    )


if __name__ == "__main__":
    main()
