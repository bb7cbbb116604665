"""yappi inside the experiment process: per-function and per-thread wall-clock stats.

``start_yappi`` and ``stop_yappi`` run in the experiment process itself (``WorkloadJob``
calls them when the measured window opens and closes), after thousands of workers are
already running. ``yappi.start(profile_threads=True)`` hooks every thread that exists at that
moment as well as threads started later (checked: all 31 threads of a 30-worker run show
up in ``get_thread_stats``), but a thread's stack is only known from the first call it makes
after the start, so frames entered earlier (``Thread.run``, the worker loop) do not appear.

The wall clock is used because the CPU clock hides waiting altogether. Wall time charges a
function for every moment a thread spends inside it, whether it waits for a lock or for the
GIL, so yappi's times mix the two; the census separates them. Lock waits are named as in Go
(``sync.(*Mutex).Lock`` ...) by :mod:`lsim.integrations.gonames`, and counted separately
from the park calls under each lock's slow path.

yappi is costly, and most so where calls are cheap and frequent. Measured here (2 cores,
CPython 3.11.7, yappi 1.7.6, default workload on ``mutex``, closed loop, 3 s windows, three
alternated runs each): 30 threads lost 92-94% of throughput (126k -> 9k ops/s), 1,000
threads 70-74%, 4,000 threads 77%; stopping yappi and saving its stats added ~3 s to the
run at 1,000 threads and ~11 s at 4,000 (after the window, so not in its figures). So the CLI
measures the overhead of each run with :func:`yappi_overhead` and shows it next to yappi's
numbers.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from lsim.integrations import gonames

TOP_FUNCTIONS = 15
NOTE = (
    "yappi wall clock: a function's time includes waiting for the GIL as well as for locks, "
    "and is summed over threads (it can exceed the window many times); lock_waits counts only "
    "parking in a lock's queue"
)


def start_yappi() -> None:
    """Start yappi with the wall clock on every thread of this process (builtins off)."""
    import yappi

    if yappi.is_running():
        yappi.stop()
    yappi.clear_stats()  # set_clock_type refuses to switch while old stats exist
    yappi.set_clock_type("wall")
    yappi.start(builtins=False, profile_threads=True)


def stop_yappi(out_dir: str | Path) -> dict[str, Any]:
    """Stop yappi; save ``yappi.pstat``, ``yappi.callgrind``, ``yappi-threads.txt`` in
    ``out_dir`` and describe them (top functions, lock waits by Go state)."""
    import yappi

    yappi.stop()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stats = yappi.get_func_stats()
    waits = lock_waits(stats)  # before renaming: it matches the Python names
    rename_to_go(stats)
    pstat, callgrind = out / "yappi.pstat", out / "yappi.callgrind"
    threads_txt = out / "yappi-threads.txt"
    stats.save(str(pstat), type="pstat")
    stats.save(str(callgrind), type="callgrind")
    thread_count = write_thread_stats(yappi.get_thread_stats(), threads_txt)
    top = top_functions(stats)
    yappi.clear_stats()
    return {
        "clock": "wall",
        "pstat": str(pstat),
        "callgrind": str(callgrind),
        "threads_file": str(threads_txt),
        "threads": thread_count,
        "top_functions": top,
        "lock_waits": waits,
        "note": NOTE,
    }


def lock_waits(stats: Any) -> dict[str, dict[str, float]]:
    """Parks under each lock's slow path, by Go state: count and summed wall seconds."""
    waits: dict[str, dict[str, float]] = {}
    for fs in stats:
        found = gonames.PARK_BY_CALLER.get(fs.name)
        if found is None or not gonames.is_sync_file(fs.module):
            continue
        for child in fs.children:
            if child.name == gonames.PARK:
                entry = waits.setdefault(found[1], {"waits": 0, "wait_s": 0.0})
                entry["waits"] += int(child.ncall)
                entry["wait_s"] += float(child.ttot)
    return waits


def _rename(entry: Any) -> None:
    go = gonames.go_function(entry.name, entry.module)
    if go is not None:
        entry.name = go
        # the same key yappi builds; pstat conversion matches callers to callees by it
        entry.full_name = f"{entry.module}:{entry.lineno} {go}"


def rename_to_go(stats: Any) -> None:
    """Rename lsim.sync entries (and the child links to them) to Go's names, in place."""
    for fs in stats:
        _rename(fs)
        for child in fs.children:
            _rename(child)


def top_functions(stats: Any, limit: int = TOP_FUNCTIONS) -> list[dict[str, Any]]:
    ordered = sorted(stats, key=lambda fs: fs.ttot, reverse=True)[:limit]
    return [
        {
            "function": fs.name,
            "file": f"{Path(fs.module).name}:{fs.lineno}",
            "calls": int(fs.ncall),
            "total_s": round(float(fs.ttot), 6),
            "self_s": round(float(fs.tsub), 6),
        }
        for fs in ordered
    ]


def write_thread_stats(thread_stats: Any, path: Path) -> int:
    """One line per thread: yappi id, thread name, wall seconds, times scheduled."""
    # yappi's ``tid`` is ``threading.get_ident()``; its ``name`` only the class ("Thread")
    names = {t.ident: t.name for t in threading.enumerate()}
    rows = sorted(thread_stats, key=lambda ts: ts.ttot, reverse=True)
    with path.open("w", encoding="utf-8") as f:
        f.write(f"{'id':>6}  {'thread':<24} {'wall_s':>10} {'scheduled':>10}\n")
        for ts in rows:
            name = names.get(ts.tid, ts.name)
            f.write(f"{ts.id:>6}  {name:<24} {ts.ttot:>10.4f} {ts.sched_count:>10}\n")
    return len(rows)


def yappi_overhead(plain_ops_per_s: float, yappi_ops_per_s: float) -> float:
    """Share of throughput lost to yappi (0.4 = 40% fewer operations per second).

    Not clamped: two runs within noise of each other can give a slightly negative figure,
    and hiding that would overstate how precise the number is."""
    if plain_ops_per_s <= 0:
        raise ValueError("the run without yappi did no operations; overhead is undefined")
    return 1.0 - yappi_ops_per_s / plain_ops_per_s
