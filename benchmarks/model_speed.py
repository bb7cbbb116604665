"""Speed of the model engine: simulated events per second, next to a bare heap's rate.

Run: python benchmarks/model_speed.py [--cases dump,fidelity] [--store mutex] [--shards N]
     [--repeat 1] [--baseline-tree DIR]

Cases (issue 15's targets, each under 5 s on the 2-core dev machine):

* ``dump``: the saturated production dump, ``workloads/alloy-production-dump.yaml``
  (53,998 goroutines on 64 Ps, a batch of 5 samples every 50 ms each) for 150 ms simulated;
* ``fidelity``: a fidelity-matrix cell (``benchmarks/fidelity.py``'s ``mix0-2k``: 2,000
  goroutines in a closed 48/44/8 loop) on 2 Ps for 200 ms simulated;
* ``file``: ``workloads/alloy-production.yaml`` as written at 53,998 goroutines on 64 Ps
  (a scrape every 2 s: far below saturation) for 150 ms;
* ``jobs``: one 8-cell model sweep (``JOBS_SWEEP``: mutex and sharded-16 x GOMAXPROCS 2,4 x
  500,1000 goroutines of ``closed-loop-mix``) run as ``lsim sweep --jobs 1`` and ``--jobs 2``;
  prints both wall times, their ratio (target <= 0.6 on 2 cores) and whether the two CSV
  outputs are byte-identical (they must be: the model is deterministic per cell).

The yardstick of a pure-Python discrete-event loop is a bare ``heapq`` pop + push per event
with as many events pending as the run had (the model reports its mean heap size at census
ticks, ``events_pending_mean``); it is measured in the same process right after each run,
and the model's events per CPU second are printed as a share of it. CPU time is the
headline because wall time on a shared machine also measures the neighbours (``uptime``'s
load is printed). Wall time includes building the store (50,000 prepopulated series) and
the plans.

``--baseline-tree DIR`` also runs each case on another checkout of lsim (e.g. the commit
before a speed change, from ``git worktree add``) in a child process, so before and after
are measured in one run on the same machine state.

``--mypyc`` also measures the compiled core: this tree built as ``LSIM_COMPILE=1 pip
install .`` would build it (``build_support/compiled_core.py``: ``lsim.model_core.HOT_MODULES``
compiled by mypyc, which ships with ``mypy``, a dev dependency; needs a C compiler and the
Python headers), unpacked in a temporary folder and run in a child process; the build's
seconds are printed. ``--mypyc-tree DIR`` measures a compiled lsim found in DIR instead, e.g.
the ``site-packages`` of a virtualenv where ``LSIM_COMPILE=1 pip install .`` ran.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from heapq import heapify, heappop, heappush
from pathlib import Path
from types import MappingProxyType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASES = ("dump", "fidelity", "file", "jobs")
JOBS_SWEEP = (
    "sweep", "--engine", "model", "--workload", str(ROOT / "workloads" / "closed-loop-mix.yaml"),
    "--stores", "mutex,sharded", "--shards", "16", "--gomaxprocs", "2,4",
    "--goroutines", "500,1000", "--sim-time", "20ms", "--repeat", "1", "-f", "csv",
    "--no-plot", "-q",
)  # fmt: skip
HEAP_EVENTS = 300_000  # pops + pushes timed for the yardstick


def case_run(case: str) -> tuple[Any, dict[str, Any]]:
    """The workload of ``case`` and the run_model keywords."""
    from lsim.workload.load import load_workload

    if case == "dump":
        w = load_workload(ROOT / "workloads" / "alloy-production-dump.yaml")
        return w, {"goroutines": 53_998, "gomaxprocs": 64, "sim_time_s": 0.15}
    if case == "file":
        w = load_workload(ROOT / "workloads" / "alloy-production.yaml")
        return w, {"goroutines": 53_998, "gomaxprocs": 64, "sim_time_s": 0.15}
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import fidelity_runs as fidelity

    w = fidelity.cell_workload("mix0-2k")
    costs = MappingProxyType({**w.model.costs, **fidelity.NO_OUTSIDE_WORK})
    w = dataclasses.replace(w, model=dataclasses.replace(w.model, costs=costs))
    return w, {"goroutines": w.threads.count, "gomaxprocs": 2, "sim_time_s": 0.2}


def measure(case: str, store: str, shards: int | None) -> dict[str, Any]:
    """One run of ``case``: CPU and wall seconds, events, and what the profile says."""
    from lsim.engine.model import run_model

    w, kw = case_run(case)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    p = run_model(w, store, shards=shards, **kw)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {
        "cpu_s": cpu, "wall_s": wall, "events": p.timings["events"],
        "pending": p.timings.get("events_pending_mean", 0.0), "ops": p.total_ops,
        "blocked": p.blocked_share(), "regime": p.regime,
    }  # fmt: skip


def heap_rate(pending: int, events: int = HEAP_EVENTS, seed: int = 1) -> float:
    """Bare ``heappop`` + ``heappush`` per second with ``pending`` events in the heap, on
    ``(time, seq, code)`` tuples like the model's, each pushed a random delay ahead."""
    rng = random.Random(seed)
    n = max(1, pending)
    heap = [(rng.randrange(1_000_000), i, i) for i in range(n)]
    heapify(heap)
    delays = [rng.randrange(1, 1_000_000) for _ in range(1024)]
    seq = n
    t0 = time.process_time()
    for k in range(events):
        t, _, code = heappop(heap)
        seq += 1
        heappush(heap, (t + delays[k & 1023], seq, code))
    return events / (time.process_time() - t0)


def child(tree: Path, case: str, store: str, shards: int | None) -> dict[str, Any]:
    """``measure`` on the checkout at ``tree``, in a fresh interpreter."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(1, sys.argv[2]);"
        "import model_speed as m;"
        "print(json.dumps(m.measure(sys.argv[3], sys.argv[4], int(sys.argv[5]) or None)))"
    )
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tree), str(ROOT / "benchmarks"), case, store,
         str(shards or 0)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def mypyc_tree(folder: Path) -> Path:
    """This tree with the compiled core, built in ``folder`` (the build's log is kept there)."""
    from build_support.compiled_core import build_tree

    print(f"building the compiled core in {folder} ...", flush=True)
    t0, cpu0 = time.perf_counter(), _children_cpu()
    tree = build_tree(folder, log=folder / "build.log")
    print(f"compiled build: {time.perf_counter() - t0:.1f} s wall, "
          f"{_children_cpu() - cpu0:.1f} s CPU", flush=True)  # fmt: skip
    return tree


def _children_cpu() -> float:
    """CPU seconds of this process' finished children (the build runs in pip and gcc)."""
    usage = os.times()
    return usage.children_user + usage.children_system


def sweep_wall(jobs: int, folder: Path) -> tuple[float, str]:
    """Wall seconds of ``lsim sweep JOBS_SWEEP --jobs N`` in a fresh interpreter, and its CSV."""
    command = [sys.executable, "-m", "lsim", *JOBS_SWEEP, "--jobs", str(jobs),
               "--profiles-dir", str(folder / f"jobs{jobs}")]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, out.stdout


def jobs_case(repeat: int) -> None:
    """``--jobs 2`` against ``--jobs 1`` on the same 8-cell sweep (best wall of ``repeat``)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        walls: dict[int, float] = {}
        outputs: dict[int, set[str]] = {1: set(), 2: set()}
        for _ in range(max(1, repeat)):
            for jobs in (1, 2):  # interleaved, so drift on a shared machine falls on both
                wall, csv_text = sweep_wall(jobs, folder)
                walls[jobs] = min(walls.get(jobs, wall), wall)
                outputs[jobs].add(csv_text)
    same = len(outputs[1] | outputs[2]) == 1
    cells = len(next(iter(outputs[1])).strip().splitlines()) - 1
    print(f"jobs      {cells} cells: --jobs 1 {walls[1]:.2f} s wall, --jobs 2 {walls[2]:.2f} s "
          f"wall, ratio {walls[2] / walls[1]:.2f}x (target <= 0.60); CSV output identical: "
          f"{'yes' if same else 'NO'}; load average now "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--cases", default="dump,fidelity", help=f"comma list of {CASES}")
    parser.add_argument("--store", default="mutex")
    parser.add_argument("--shards", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (best CPU kept)")
    parser.add_argument("--baseline-tree", type=Path, default=None)
    parser.add_argument("--mypyc", action="store_true", help="also a mypyc-compiled copy")
    parser.add_argument(
        "--mypyc-tree", type=Path, default=None, help="a folder with a compiled lsim"
    )
    args = parser.parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    bad = [c for c in cases if c not in CASES]
    if bad:
        parser.error(f"unknown case {bad[0]!r}; allowed: {', '.join(CASES)}")
    sys.path.insert(0, str(ROOT))
    import tempfile

    scratch = tempfile.TemporaryDirectory()
    compiled = args.mypyc_tree
    if args.mypyc and compiled is None:
        compiled = mypyc_tree(Path(scratch.name))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores); best of {args.repeat} by CPU time")  # fmt: skip
    print(f"{'case':<9} {'tree':<9} {'events':>10} {'pending':>8} {'cpu s':>7} {'wall s':>7} "
          f"{'events/cpu-s':>12} {'heapq/s':>10} {'share':>6} {'store ops':>10} "
          f"{'blocked':>8}  regime")  # fmt: skip
    for case in cases:
        if case == "jobs":
            jobs_case(args.repeat)
            continue
        rows: list[tuple[str, Callable[[], dict[str, Any]]]] = [
            ("this", partial(measure, case, args.store, args.shards))
        ]
        if args.baseline_tree is not None:
            tree = args.baseline_tree.resolve()
            rows.append(("baseline", partial(child, tree, case, args.store, args.shards)))
        if compiled is not None:
            rows.append(("mypyc", partial(child, compiled.resolve(), case, args.store,
                                          args.shards)))  # fmt: skip
        pending = 0
        for name, run in rows:
            r = min((run() for _ in range(max(1, args.repeat))), key=lambda x: x["cpu_s"])
            # a baseline from before the model reported its heap size: the same run, so
            # the same heap as this tree's
            pending = round(r["pending"]) or pending
            rate = heap_rate(pending)
            eps = r["events"] / r["cpu_s"]
            print(f"{case:<9} {name:<9} {r['events']:>10,.0f} {pending:>8,} {r['cpu_s']:>7.2f} "
                  f"{r['wall_s']:>7.2f} {eps:>12,.0f} {rate:>10,.0f} {eps / rate:>6.1%} "
                  f"{r['ops']:>10,} {r['blocked']:>8.1%}  {r['regime']}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
