"""Thread-engine benchmark: thread start times, ops/s per design, the census's own cost.

Run: python benchmarks/threads.py [--quick]. Prints three tables:

1. time to start N threads in the experiment process (1k/5k/10k/20k);
2. ops/s of every design at 1 and 2,000 threads on the built-in workload, closed loop;
3. sampler overhead: ops/s with the census at 100 Hz versus census off, as a ratio
   (target: < 5% loss), measured in interleaved pairs so machine drift hits both alike.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import threading
import time

from lsim.engine.run import run_threads
from lsim.engine.spec import Experiment
from lsim.errors import LimitError
from lsim.stores import STORE_NAMES
from lsim.workload.load import builtin_workload


def thread_start_times(counts: list[int]) -> list[tuple[int, float]]:
    """Start ``n`` parked threads (as the engine does: 256 KiB stacks), time the starts."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    out = []
    for n in counts:
        receiver, sender = ctx.Pipe(duplex=False)

        def child(n: int = n, sender=sender) -> None:  # type: ignore[no-untyped-def]
            import os

            threading.stack_size(256 * 1024)
            gate = threading.Event()
            began = time.perf_counter()
            for _ in range(n):
                threading.Thread(target=gate.wait, daemon=True).start()
            sender.send(time.perf_counter() - began)
            os._exit(0)

        proc = ctx.Process(target=child)
        proc.start()
        out.append((n, receiver.recv()))
        proc.join()
    return out


def experiment(store: str, threads: int, duration: float, census: bool = True) -> Experiment:
    workload = builtin_workload()
    workload = workload.with_overrides(threads=threads, duration_s=duration)
    # closed loop: no pacing, so ops/s measures the store and the interpreter, not think time
    workload = dataclasses.replace(workload, pacing=type(workload.pacing)())
    shards = 64 if store == "sharded" else None
    return Experiment(workload=workload, store=store, shards=shards, census=census)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs, fewer counts")
    args = parser.parse_args()
    duration = 2.0 if args.quick else 4.0
    counts = [1000, 5000] if args.quick else [1000, 5000, 10000, 20000]

    print("thread start time (256 KiB stacks)")
    for n, seconds in thread_start_times(counts):
        print(f"  {n:>6,} threads  {seconds:6.2f} s  ({seconds / n * 1e6:.0f} us/thread)")

    print(f"\nops/s per design, closed loop, {duration:g} s measured")
    print(f"  {'design':<13} {'1 thread':>12} {'2,000 threads':>14}")
    for store in STORE_NAMES:
        one = run_threads(experiment(store, 1, duration)).ops_per_s
        try:
            many = f"{run_threads(experiment(store, 2000, duration)).ops_per_s:14,.0f}"
        except LimitError:  # the engine's stall guard: GIL thrash, see lsim/engine/threads.py
            many = f"{'GIL thrash':>14}"
        print(f"  {store:<13} {one:12,.0f} {many}")

    print("\nsampler overhead (mutex, 2,000 threads; interleaved on/off pairs)")
    on, off = [], []
    for _ in range(2 if args.quick else 3):
        off.append(run_threads(experiment("mutex", 2000, duration, census=False)).ops_per_s)
        on.append(run_threads(experiment("mutex", 2000, duration, census=True)).ops_per_s)
    med_on, med_off = statistics.median(on), statistics.median(off)
    print(f"  census off: {med_off:,.0f} ops/s (runs: {', '.join(f'{x:,.0f}' for x in off)})")
    print(f"  census on : {med_on:,.0f} ops/s (runs: {', '.join(f'{x:,.0f}' for x in on)})")
    print(f"  ratio on/off: {med_on / med_off:.3f} (loss {1 - med_on / med_off:.1%})")


if __name__ == "__main__":
    main()
