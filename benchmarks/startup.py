"""Start-up time of the CLI: ``lsim --version`` and ``lsim stores`` beside ``python -c pass``.

Run: python benchmarks/startup.py [--runs 15] [--target-ms 150]

Each command runs ``--runs`` times (after one warm-up run, so the page cache and .pyc files
are warm) with stdout to a pipe, as a script would use them; the median wall time is printed
with the min and max (the machine is shared, the median is the number to read). The target
(issue 16: under 150 ms on the 2-core dev machine) applies to the two lsim commands; the exit
code is 1 when a median misses it. ``python -X importtime -m lsim stores`` shows where the
time goes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lsim_command() -> list[str]:
    """The installed console script when it is this checkout's, else ``python -m lsim``."""
    script = Path(sys.executable).with_name("lsim")
    if script.is_file():
        return [str(script)]
    found = shutil.which("lsim")
    return [found] if found else [sys.executable, "-m", "lsim"]


def time_runs(argv: Sequence[str], runs: int) -> list[float]:
    """Wall seconds of ``runs`` runs of ``argv`` (one unmeasured warm-up first)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, env=env)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-500:]}")
        if i:
            times.append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--target-ms", type=float, default=150.0)
    args = parser.parse_args()
    lsim = lsim_command()
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"], False),
        ("lsim --version", [*lsim, "--version"], True),
        ("lsim stores", [*lsim, "stores"], True),
    ]
    print(f"{args.runs} runs each, stdout to a pipe; lsim = {' '.join(lsim)}")
    print(f"{'command':<16} {'median':>9} {'min':>9} {'max':>9}  target")
    missed = False
    for label, argv, targeted in cases:
        ms = [t * 1000 for t in time_runs(argv, args.runs)]
        median = statistics.median(ms)
        verdict = ""
        if targeted:
            ok = median < args.target_ms
            missed |= not ok
            verdict = f"< {args.target_ms:.0f} ms: {'ok' if ok else 'MISSED'}"
        print(f"{label:<16} {median:7.1f}ms {min(ms):7.1f}ms {max(ms):7.1f}ms  {verdict}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
