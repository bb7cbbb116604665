"""Cost of an uncontended lock/unlock pair: lsim's Go-rule locks versus threading.Lock.

Run: python benchmarks/locks.py [--pairs N]. Prints ns per pair (best of 5 repeats) and the
ratio to threading.Lock measured in the same run. Target (issue 2): Mutex within 4x.
"""

from __future__ import annotations

import argparse
import threading
import timeit

from lsim.sync import Mutex, RWMutex


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    env = {
        "lk": threading.Lock(),
        "m": Mutex("bench.mut"),
        "rw": RWMutex("bench.rw"),
    }
    cases = {
        "threading.Lock acquire/release": "lk.acquire(); lk.release()",
        "threading.Lock with-block": "with lk: pass",
        "lsim Mutex lock/unlock": "m.lock(); m.unlock()",
        "lsim Mutex with-block": "with m: pass",
        "lsim RWMutex rlock/runlock": "rw.rlock(); rw.runlock()",
        "lsim RWMutex lock/unlock": "rw.lock(); rw.unlock()",
    }
    # Interleaved: each repeat times every case once, so a noisy neighbour slows all alike;
    # the best of the repeats is kept per case.
    results = {label: float("inf") for label in cases}
    for _ in range(args.repeat):
        for label, stmt in cases.items():
            seconds = timeit.timeit(stmt, globals=env, number=args.pairs)
            results[label] = min(results[label], seconds / args.pairs * 1e9)
    base = results["threading.Lock acquire/release"]
    print(f"{'case':34} {'ns/pair':>9} {'vs threading.Lock':>18}")
    for label, ns in results.items():
        print(f"{label:34} {ns:9.1f} {ns / base:17.2f}x")


if __name__ == "__main__":
    main()
