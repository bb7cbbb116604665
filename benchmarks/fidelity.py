"""Fidelity: the model next to real Go (``--engine go``), cell by cell, and the published anchors.

Run: python benchmarks/fidelity.py [--costs costs.yaml] [--go-runs 5] [--seeds 1,2]
     [--sim-time 3.3] [--procs 1,2] [--designs ...] [--cells ...] [--cache FILE]
     [--go-window 3] [--go-only | --model-only | --report] [--no-anchors]
     (on a shared machine: ``nice -n -20 python benchmarks/fidelity.py ...`` as root, so the
     Go runs outrank the neighbours' work; the header prints the niceness)

Cells: the seven labelstore designs (directfanout makes other calls, on pipelines only) x
{closed-loop mix 48/44/8 (GetOrAddGlobalRefID 48, GetLocalRefID 44, AddLocalLink 8) with 0%
and 50% new label sets, at 2,000 and 20,000 goroutines; ``alloy-high-contention`` (3
iterations)} x GOMAXPROCS in ``--procs``. Real Go runs each cell ``--go-runs`` times (a
``--go-window`` window, 3 s by default, after 0.3 s of warm-up) for its spread: a
2,000-goroutine dump stops the world for 15-35 ms and the census keeps to 5% of the window,
so a 1 s window holds only 2-3 samples, while real Go's mutex swings between a convoy (all
but P goroutines blocked) and none at all within a second (``GODEBUG=schedtrace``) — too few
samples read that as "0%" in one run and "100%" in the next. The block profile's total store
wait over the window (Little's law, ``Go LL``) sees every wait and is printed beside. The
model runs it once per seed with the calibrated costs (``lsim calibrate``), simulating
``--sim-time``: by default as long as real Go runs (its window plus the 0.3 s warm-up), as
the store's maps grow through the window (a mix's AddLocalLink makes a new local id each
time, a 50% mix a new label set per other GetOrAdd), and what a map access costs depends on
how many of their entries the caches still hold (``lsim/engine/model/far.py``). That takes
2-6 minutes of wall time per 2,000-goroutine cell (``--sim-time 0.1``: seconds, with the
maps still small). ``benchmarks/costs-dev.yaml`` is the
calibration of the 2-core dev machine the published table was made on. Printed per cell:
blocked share (Go's min-max), the blocked split GetOrAddGlobalRefID/GetLocalRefID,
p10/p50/p90 of blocked per sample, throughput over the same P's mutex, never-ran goroutines,
the model's hand-offs and starvation share (real Go does not report them). A cell *meets*
the blocked target when the model's median lies inside Go's range widened by 10 points, the
ratio target when the model's ratio is within 1.5x of Go's median ratio. ``--cache`` keeps
every run's summary in a JSON file, so an interrupted benchmark resumes and the table can be
printed again (``--report``).

Anchors (model only, default costs as the published facts use them): the reference dump
(53,998 goroutines on 64 Ps: 92.4% = 48.27 + 44.09), Alloy's RWMutex attempt (PR #5067: no
reduction) and Alloy's benchmark on an 8-core M2 (17.05 -> 4.61 ms/iteration with 32 shards,
3.7x).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fidelity_anchors import anchors  # noqa: E402
from fidelity_frozen import recheck  # noqa: E402
from fidelity_mechanisms import mechanism_table  # noqa: E402
from fidelity_runs import (  # noqa: E402
    BLOCKED_SLACK,
    CELLS,
    GO_WARMUP_S,
    RATIO_FACTOR,
    cell_workload,
    go_run,
    model_run,
)  # fmt: skip

from lsim.stores import LABELSTORE_NAMES  # noqa: E402
from lsim.workload.costs import load_costs_file  # noqa: E402


class Cache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.data: dict[str, Any] = {}
        if path is not None and path.exists():
            self.data = json.loads(path.read_text())

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def put(self, key: str, value: Any) -> None:
        self.data[key] = value
        if self.path is not None:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data, indent=1))
            os.replace(tmp, self.path)


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else 0.0


def collect(args: argparse.Namespace, cache: Cache) -> None:
    for cell in args.cells:
        w_go = cell_workload(cell, args.go_window)
        for procs in args.procs:
            for k in range(args.go_runs if not args.model_only else 0):  # interleaved rounds
                for design in args.designs:
                    key = go_key(args, cell, design, procs, k)
                    if cache.get(key) is None and not args.report:
                        t = time.time()
                        cache.put(key, go_run(w_go, design, procs))
                        log(f"{key} {time.time() - t:.1f}s")
            for seed in args.seeds if not args.go_only else ():
                for design in args.designs:
                    cached_model_run(args, cache, cell, design, procs, seed, args.sim_time)


def cached_model_run(args: argparse.Namespace, cache: Cache, cell: str, design: str,
                     procs: int, seed: int, sim_s: float) -> dict[str, Any] | None:  # fmt: skip
    """One model run's summary, from the cache or run now and cached (None: ``--report``
    and not cached)."""
    key = f"model/{cell}/{design}/P{procs}/s{seed}/{sim_s:g}"
    found = cache.get(key)
    if found is None and not args.report:
        t = time.time()
        costs = load_costs_file(args.costs) if args.costs else {}
        found = model_run(cell_workload(cell), design, procs, seed, sim_s, costs)
        cache.put(key, found)
        log(f"{key} {time.time() - t:.1f}s")
    return found  # type: ignore[no-any-return]


def go_key(args: argparse.Namespace, cell: str, design: str, procs: int, k: int) -> str:
    window = "" if args.go_window == 1.0 else f"/w{args.go_window:g}"  # older caches: 1 s
    return f"go/{cell}/{design}/P{procs}/{k}{window}"


def log(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def table(args: argparse.Namespace, cache: Cache) -> tuple[int, int, int, int, list[str]]:
    head = (f"{'cell':10} {'design':12} P | {'Go blocked':>17} {'model':>6} ok | "
            f"{'Go GoA/GL':>9} {'model':>9} | {'Go p10/50/90':>12} {'model':>12} | "
            f"{'Go ratio':>8} {'model':>6} ok | {'never ran Go/model':>18} | "
            f"{'handoffs':>8} {'starv':>5} | foreign | "
            f"{'Go LL':>5} {'words':>5} samples | {'lock-bound Go':>13} {'model':>5}")  # fmt: skip
    print(head)
    print("-" * len(head))
    met_b = met_r = cells = 0
    bound = {"met": 0, "cells": 0}  # lock-bound (model) against Go's lock words
    frozen: list[str] = []
    for cell in args.cells:
        for procs in args.procs:
            go_base = model_base = 0.0
            for design in args.designs:
                go, mo = runs_of(args, cache, cell, design, procs)
                if not go or not mo:
                    continue
                gb = [g["blocked"] for g in go]
                mb = med([m["blocked"] for m in mo])
                ok_b = min(gb) - BLOCKED_SLACK <= mb <= max(gb) + BLOCKED_SLACK
                g_ops, m_ops = med([g["ops_per_s"] for g in go]), med([m["ops_per_s"] for m in mo])
                if design == "mutex":
                    go_base, model_base = g_ops, m_ops
                g_ratio = g_ops / go_base if go_base else 0.0
                m_ratio = m_ops / model_base if model_base else 0.0
                ok_r = bool(g_ratio and m_ratio) and (
                    1 / RATIO_FACTOR <= m_ratio / g_ratio <= RATIO_FACTOR
                )
                cells += 1
                met_b += ok_b
                words = [g["words_blocked"] for g in go if g.get("words_blocked")]
                if words:  # sync.Map's locks have no readable words: lockfree has none
                    mlb = med([m.get("lock_bound", 0.0) for m in mo])
                    bound["cells"] += 1
                    bound["met"] += min(words) - BLOCKED_SLACK <= mlb <= max(words) + BLOCKED_SLACK
                met_r += ok_r
                g_never = max(g["never_ran"] for g in go)
                m_never = max(m["never_ran"] for m in mo)
                if g_never == 0 and m_never > 0 and cell != "hc":
                    frozen.append(f"{cell}/{design}/P{procs}")

                def q3(rs: list[dict[str, Any]]) -> str:
                    return "/".join(f"{med([r['q'][i] for r in rs]):.0%}" for i in range(3))

                print(
                    f"{cell:10} {design:12} {procs} | {med(gb):6.1%} "
                    f"[{min(gb):4.0%}-{max(gb):4.0%}] {mb:6.1%} {'Y' if ok_b else 'n':>2} | "
                    f"{med([g['goa'] for g in go]):4.0%}/{med([g['local'] for g in go]):<4.0%} "
                    f"{med([m['goa'] for m in mo]):4.0%}/{med([m['local'] for m in mo]):<4.0%} | "
                    f"{q3(go):>12} {q3(mo):>12} | {g_ratio:8.2f} {m_ratio:6.2f} "
                    f"{'Y' if ok_r else 'n':>2} | {g_never:>8}/{m_never:<9} | "
                    f"{med([m['handoffs'] for m in mo]):>8,.0f} "
                    f"{med([m['starving'] for m in mo]):5.0%} | "
                    f"{med([g['foreign'] for g in go]):.2f}    | "
                    f"{med([g.get('ll_blocked', 0.0) for g in go]):5.0%} "
                    f"{med([g.get('words_blocked', 0.0) for g in go]):5.0%} "
                    f"{sum(g.get('samples', 0) for g in go):>4}    | "
                    f"{med([g.get('lock_bound', 0.0) for g in go]):13.0%} "
                    f"{med([m.get('lock_bound', 0.0) for m in mo]):5.0%}"
                )  # fmt: skip
    if bound["cells"]:
        print(
            f"\nlock-bound (model) inside Go's lock-word range +-{BLOCKED_SLACK:.0%}: "
            f"{bound['met']}/{bound['cells']} (cells whose locks' words can be read)"
        )
    return cells, met_b, met_r, len(frozen), frozen


def runs_of(args: argparse.Namespace, cache: Cache, cell: str, design: str,
            procs: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    """The cached summaries of one cell: real Go's runs and the model's seeds."""
    go = [cache.get(go_key(args, cell, design, procs, k)) for k in range(args.go_runs)]
    mo = [cache.get(f"model/{cell}/{design}/P{procs}/s{s}/{args.sim_time:g}") for s in args.seeds]
    return [g for g in go if g], [m for m in mo if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--costs", type=Path, default=None, help="lsim calibrate's file")
    parser.add_argument("--go-runs", type=int, default=5)
    parser.add_argument(
        "--go-window", type=float, default=3.0,
        help="seconds of each real-Go window (a 2,000-goroutine dump stops the world for "
        "15-35 ms and the census keeps to 5%% of the window: 2-3 samples per second)",
    )  # fmt: skip
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument(
        "--sim-time", type=float, default=None,
        help="seconds each model run simulates, its warm-up (min(0.3 s, a quarter)) included "
        "(default: the Go window plus Go's 0.3 s warm-up, so the store's maps grow as far "
        "as in real Go's window: what a map access costs depends on it)",
    )  # fmt: skip
    parser.add_argument("--procs", default="1,2")
    parser.add_argument("--designs", default=",".join(LABELSTORE_NAMES))
    parser.add_argument("--cells", default=",".join(CELLS))
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--report", action="store_true", help="print from --cache, run nothing")
    parser.add_argument("--no-anchors", action="store_true")
    parser.add_argument("--go-only", action="store_true", help="run (and cache) real Go only")
    parser.add_argument("--model-only", action="store_true", help="run the model only")
    args = parser.parse_args()
    if args.sim_time is None:
        args.sim_time = round(args.go_window + GO_WARMUP_S, 6)
    args.seeds = [int(x) for x in args.seeds.split(",")]
    args.procs = [int(x) for x in args.procs.split(",")]
    args.designs = args.designs.split(",")
    if "mutex" in args.designs:  # ratios are over mutex: it goes first
        args.designs = ["mutex", *[d for d in args.designs if d != "mutex"]]
    args.cells = args.cells.split(",")
    cache = Cache(args.cache)
    load0 = os.getloadavg()
    collect(args, cache)
    print(f"model: {args.sim_time * 1e3:g} ms simulated per run, seeds {args.seeds}, costs "
          f"{args.costs or 'defaults'}; Go: {args.go_runs} runs of {args.go_window:g} s "
          f"(+{GO_WARMUP_S:g} s warm-up), niceness {os.getpriority(os.PRIO_PROCESS, 0)}; "
          f"load average before/after {load0[0]:.1f}/{os.getloadavg()[0]:.1f}; "
          "foreign = other processes' cores during the go runs (median); Go LL = blocked "
          "share from the block profile's wait (Little's law); words = parked on store "
          "locks in the clean run, from the locks' words (no stop-the-world); samples = "
          "census samples over all runs; lock-bound = blocked or runnable with a lock's "
          "frames on top (woken, or yielded inside Unlock)")  # fmt: skip
    cells, met_b, met_r, n_frozen, frozen = table(args, cache)
    if cells:
        print(
            f"\nblocked share inside Go's range +-{BLOCKED_SLACK:.0%}: {met_b}/{cells} "
            f"({met_b / cells:.0%}; target >= 90%)"
        )
        print(
            f"throughput ratio vs mutex within {RATIO_FACTOR}x of Go's: {met_r}/{cells} "
            f"({met_r / cells:.0%}; target >= 90%)"
        )
        print(
            f"frozen closed loops (model never_ran > 0 where Go ran every goroutine) over "
            f"{args.sim_time * 1e3:g} ms: {n_frozen} {' '.join(frozen)}"
        )
        if frozen and not args.go_only and args.sim_time < args.go_window:
            still, missing = recheck(
                frozen, args.seeds[0], args.go_window,
                lambda c, d, p, s, t: cached_model_run(args, cache, c, d, p, s, t),
            )  # fmt: skip
            print(
                f"  of these, frozen over a {args.go_window:g} s window like Go's (seed "
                f"{args.seeds[0]}; benchmarks/fidelity_frozen.py): "
                + " ".join([str(len(still)), *still])
                + (f"; not run (not in the cache): {' '.join(missing)}" if missing else "")
            )
    print(
        "\nwhich convoy ran (benchmarks/fidelity_mechanisms.py): starvation mode's share of "
        "time, and runnable waits of 1 ms or more"
    )
    mechanism_table(
        args.cells, args.procs, args.designs, lambda c, d, p: runs_of(args, cache, c, d, p)
    )
    if not args.no_anchors:
        print()
        anchors()


if __name__ == "__main__":
    main()
