"""Simulated lock statistics -> :class:`~lsim.profile.model.LockReport`, over a window.

A mutex gives one report (``write``); an RWMutex two, under its own name: ``write`` (from
``Lock()`` to owning it, the wait on the inner writer mutex included) and ``read``. Go's two
views of the same delay are both kept: ``wait_by_operation`` charges it to the waiter's
operation (block profile, what a dump shows), ``delay_by_unlocker`` to the operation whose
Unlock ended the wait (mutex profile).
"""

from __future__ import annotations

from typing import Any

from lsim.engine.model.golock import SimMutex
from lsim.engine.model.gorwmutex import SimRWMutex
from lsim.profile.model import LockReport
from lsim.sync.rules import MutexRules
from lsim.sync.states import Operation
from lsim.sync.stats import LockStats


def _side(stats: LockStats) -> dict[str, Any]:
    return {
        "acquisitions": stats.acquisitions,
        "contended": stats.contended,
        "wait_total_ns": stats.wait_total_ns,
        "hold_total_ns": stats.hold_sampled_ns,  # every hold is timed in virtual time
        "wait_histogram": list(stats.histogram),
        "wait_by_op": {k: list(v) for k, v in stats.wait_by_op.items()},
        "delay_by_unlocker_op": {k: list(v) for k, v in stats.delay_by_unlocker_op.items()},
    }


def lock_counters(lk: SimMutex | SimRWMutex) -> dict[str, Any]:
    """The cumulative counters of one lock (a baseline, or the end of the run)."""
    rules = lk.w.rules if isinstance(lk, SimRWMutex) else lk.rules
    data: dict[str, Any] = {
        "write": _side(lk.stats),
        "busy_ns": lk.w.busy_ns if isinstance(lk, SimRWMutex) else lk.busy_ns,
        "starvation_entries": rules.starvation_entries,
        "handoffs": rules.handoffs,
    }
    if isinstance(lk, SimRWMutex):
        data["read"] = _side(lk.read_stats)
        data["read"]["hold_total_ns"] = lk.r_area
    return data


def _table(after: dict[int, list[int]], before: dict[int, list[int]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for op, (n, ns) in sorted(after.items()):
        n0, ns0 = before.get(op, (0, 0))
        if n - n0:
            out[Operation(op).go_name or "(outside)"] = [n - n0, ns - ns0]
    return out


def lock_reports(locks: list[Any], baselines: list[dict[str, Any]]) -> list[LockReport]:
    reports = []
    for lk, before in zip(locks, baselines, strict=True):
        after = lock_counters(lk)
        stats_max = {"write": lk.stats.wait_max_ns}
        if isinstance(lk, SimRWMutex):
            stats_max["read"] = lk.read_stats.wait_max_ns
        for mode in ("write", "read"):
            if mode not in after:
                continue
            a, b = after[mode], before[mode]
            report = LockReport(
                name=lk.name,
                kind=lk.kind,
                mode=mode,
                acquisitions=a["acquisitions"] - b["acquisitions"],
                contended=a["contended"] - b["contended"],
                wait_total_ns=a["wait_total_ns"] - b["wait_total_ns"],
                wait_max_ns=stats_max[mode],
                hold_total_ns=a["hold_total_ns"] - b["hold_total_ns"],
                wait_histogram=[x - y for x, y in zip(a["wait_histogram"], b["wait_histogram"],
                                                      strict=True)],  # fmt: skip
                wait_by_operation=_table(a["wait_by_op"], b["wait_by_op"]),
                delay_by_unlocker=_table(a["delay_by_unlocker_op"], b["delay_by_unlocker_op"]),
                starvation_entries=(after["starvation_entries"] - before["starvation_entries"]
                                    if mode == "write" else 0),
                handoffs=after["handoffs"] - before["handoffs"] if mode == "write" else 0,
            )  # fmt: skip
            if report.acquisitions or report.contended:
                reports.append(report)
    return reports


def writer_mutexes(locks: list[Any]) -> list[tuple[str, MutexRules[Any]]]:
    """Each lock's name and the rules of its (writer) mutex: the word whose starvation bit
    the go engine reads (an RWMutex's is its inner writer mutex; CAS words have none)."""
    out: list[tuple[str, MutexRules[Any]]] = []
    for lock in locks:
        if isinstance(lock, SimMutex):
            out.append((lock.name, lock.rules))
        elif isinstance(lock, SimRWMutex):
            out.append((lock.name, lock.w.rules))
    return out
