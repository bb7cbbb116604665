"""What the experiment process sends back: every lock's statistics, the operations'
latency histograms merged over the workers, per-thread operation counts and the rest of the
window's facts, as one plain dict for the pipe."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from lsim.engine.job import Job
from lsim.sync.registry import registered_locks

if TYPE_CHECKING:
    from lsim.engine.child import ChildRun


def lock_snapshots(job: Job) -> list[dict[str, Any]]:
    """Statistics of every lock; the maxima restart so they describe the coming window."""
    snapshots = [lock.snapshot() for lock in job.locks()]
    for lock in job.locks():
        for stats in _all_stats(lock):
            stats.wait_max_ns = 0
    return snapshots


def _all_stats(lock: Any) -> list[Any]:
    found = [lock.stats]
    if hasattr(lock, "read_stats"):  # RWMutex: its read side and its writers' inner Mutex
        found += [lock.read_stats, lock._w.stats]
    return found


def collect(
    run: ChildRun, window: tuple[float, float, list[dict[str, Any]]], timings: dict[str, float]
) -> dict[str, Any]:
    t0, t1, baseline = window
    ops_after = run.board.ops_per_slot()
    ops_before = run.ops_before
    hist: dict[int, dict[int, int]] = {}
    count: dict[int, int] = {}
    max_ns: dict[int, int] = {}
    for rec in run.recorders:
        for op, h in enumerate(rec.hist):
            if h is None:
                continue
            merged = hist.setdefault(op, {})
            for value, n in list(h.items()):  # a late worker may still be recording
                merged[value] = merged.get(value, 0) + n
            count[op] = count.get(op, 0) + rec.count[op]
            max_ns[op] = max(max_ns.get(op, 0), rec.max_ns[op])
    totals: dict[str, int] = {}
    for counters in run.counters:
        for key, value in list(counters.items()):
            totals[key] = totals.get(key, 0) + value
    return {
        "window_s": t1 - t0,
        "interrupted": run.interrupted,
        "worker_error": run.errors[0] if run.errors else None,
        "worker_errors": len(run.errors),
        "timings": timings,
        "locks_before": baseline,
        "locks_after": lock_snapshots(run.job),
        "lock_names": {info.lock_id: info.name for info in registered_locks()},
        "op_hist": hist,
        "op_count": count,
        "op_max_ns": max_ns,
        "thread_ops": [a - b for a, b in zip(ops_after, ops_before, strict=True)],
        "counters": totals,
        "stacks": run.job.stacks(),
        "integrations": run.integrations,
        "foreign_cores": run.foreign_cores,
        "switch_interval_s": sys.getswitchinterval(),
    }
