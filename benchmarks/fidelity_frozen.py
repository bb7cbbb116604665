"""Fidelity's frozen-loop verdict over a window as long as real Go's.

A *frozen* closed loop is one where some goroutine never runs in the whole window while
real Go ran every goroutine. The model's table runs simulate 100 ms; real Go's window is 3 s.
In a convoy whose run queues hold a pile of readied waiters for hundreds of milliseconds (as
real Go's single mutex at P=2 does) a goroutine can wait longer than 100 ms and still run
within 3 s, so a 100 ms never-ran count cannot be held against a 3 s one. Each cell frozen at
the table's length is simulated again, first seed only, for as long as Go's window, and that
run gives the verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (cell, design, procs, seed, sim_time_s) -> the run's summary, None when not run (a
# ``--report`` that finds it not cached)
RunModel = Callable[[str, str, int, int, float], "dict[str, Any] | None"]


def recheck(
    frozen: list[str], seed: int, window_s: float, run: RunModel
) -> tuple[list[str], list[str]]:
    """The cells of ``frozen`` ("cell/design/P<n>") still frozen over ``window_s``, and those
    with no such run."""
    still, missing = [], []
    for name in frozen:
        cell, design, procs = name.split("/")
        found = run(cell, design, int(procs.removeprefix("P")), seed, window_s)
        if found is None:
            missing.append(name)
        elif found["never_ran"] > 0:
            still.append(name)
    return still, missing
