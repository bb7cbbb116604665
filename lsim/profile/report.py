"""The run report as plain data: the stable JSON keys of ``lsim run -f json``.

Keys are documented in README.md ("JSON report") and in the JSON Schema
``lsim/schema/report.schema.json``; add keys, never rename them. Every per-operation map
lists every store operation, 0 where nothing happened, so scripts never test for absence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from lsim.profile.model import Profile

REPORT_VERSION = 1

# Every store operation (Alloy's method names, in lsim.sync.states.Operation order) and the
# Go states a census reports; spelled out to keep this module light, checked by
# tests/profile/test_report.py against lsim.sync.states.
STORE_OPERATIONS: tuple[str, ...] = (
    "GetOrAddGlobalRefID",
    "GetLocalRefID",
    "AddLocalLink",
    "ReplaceLocalLink",
    "GetOrAddLink",
    "TrackStaleness",
    "CheckAndRemoveStaleMarkers",
    "Collect",
)
# directfanout's calls (its labelstore is disabled: the operations above stay 0 there).
FANOUT_OPERATIONS: tuple[str, ...] = (
    "GetMapping",
    "CreateMapping",
    "UpdateMapping",
    "TrackAppendedSeries",
    "cleanupStaleRefs",
)
CENSUS_STATES: tuple[str, ...] = (
    "running",
    "runnable",
    "sync.Mutex.Lock",
    "sync.RWMutex.RLock",
    "sync.RWMutex.Lock",
    "sleep",
)


def operation_names(profile: Profile) -> list[str]:
    """The keys of the report's per-operation maps: every store operation, then any other
    operation the profile reports (an engine's extra), never the empty name."""
    seen = [o.operation for o in profile.operations] + list(profile.blocked_by_operation())
    own = FANOUT_OPERATIONS if profile.store == "directfanout" else ()
    return list(dict.fromkeys([*STORE_OPERATIONS, *own, *(op for op in seen if op)]))


def iteration_timings(iterations_ns: Sequence[float]) -> dict[str, float]:
    """Burst mode: the ``timings`` keys every engine reports for its iterations (ns)."""
    if not iterations_ns:
        return {}
    import statistics

    it = [float(x) for x in iterations_ns]
    return {
        "iterations": float(len(it)),
        "iteration_ns_median": statistics.median(it),
        "iteration_ns_mean": statistics.fmean(it),
        "iteration_ns_min": min(it),
        "iteration_ns_max": max(it),
    }


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile, ``p`` in 0..100; 0 for an empty list.

    No interpolation: every answer is a value that occurred, which matters for census
    samples where a "19% blocked" dump may never have happened. The summary, the JSON
    report and compare all use this one definition, so their p10/p50/p90 agree.
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def census_summary(profile: Profile) -> dict[str, Any]:
    states = profile.state_means()
    live = sum(v for k, v in states.items() if k != "idle")
    blocked = profile.blocked_mean()
    samples = profile.blocked_per_sample
    by_op = profile.blocked_by_operation()
    return {
        "samples": profile.census_samples,
        "rate_hz": profile.census_rate_hz,
        "threads": live,
        "blocked_by_operation": {op: by_op.get(op, 0.0) for op in operation_names(profile)},
        "blocked_mean": blocked,
        "blocked_share": blocked / live if live else 0.0,
        "blocked_p10": percentile(samples, 10),
        "blocked_p50": percentile(samples, 50),
        "blocked_p90": percentile(samples, 90),
        "states": {**{state: 0.0 for state in CENSUS_STATES}, **states},
    }


def progress_summary(profile: Profile) -> dict[str, Any]:
    ops = profile.thread_ops
    return {
        "ops_p10": percentile(ops, 10),
        "ops_p50": percentile(ops, 50),
        "ops_p90": percentile(ops, 90),
        "never_ran": sum(1 for n in ops if n == 0),
    }


def _operation_stats(profile: Profile) -> dict[str, dict[str, Any]]:
    ran = {r.operation: r for r in profile.operations}
    out: dict[str, dict[str, Any]] = {}
    for op in operation_names(profile):
        r = ran.get(op)
        out[op] = {
            "count": r.count if r else 0,
            "ops_per_s": r.ops_per_s if r else 0.0,
            "p50_ns": r.p50_ns if r else 0,
            "p99_ns": r.p99_ns if r else 0,
            "max_ns": r.max_ns if r else 0,
        }
    return out


def latency_precision(profile: Profile) -> dict[str, Any]:
    """How exact the p50/p99 are: "" and 0 for profiles that did not record it (lsim's
    older power-of-two buckets, whose upper bound was printed as the value)."""
    ran = [r for r in profile.operations if r.count]
    first = ran[0] if ran else None
    return {
        "latency_precision": first.latency_precision if first else "",
        "latency_significant_digits": first.latency_significant_digits if first else 0,
    }


def machine_summary(profile: Profile) -> dict[str, Any]:
    """Other processes' CPU in the measured window (``None``: not measured) and the verdict."""
    foreign = profile.machine.get("foreign_cores")
    return {
        "cpus": profile.machine.get("cpus"),
        "foreign_cores": None if foreign is None else float(foreign),
        "noisy": bool(profile.machine.get("noisy", False)),
    }


def report_dict(profile: Profile) -> dict[str, Any]:
    return {
        "report_version": REPORT_VERSION,
        "lsim_version": profile.lsim_version,
        "engine": profile.engine,
        "store": profile.store,
        "shards": profile.store_options.get("shards"),
        "workload": profile.workload_name,
        "seed": profile.seed,
        "threads": profile.threads,
        "duration_s": profile.duration_s,
        "throughput": {
            "ops_per_s": profile.ops_per_s,
            "total_ops": profile.total_ops,
            "by_operation": _operation_stats(profile),
            **latency_precision(profile),
        },
        "census": census_summary(profile),
        "locks": [
            {
                "name": lock.name,
                "kind": lock.kind,
                "mode": lock.mode,
                "acquisitions": lock.acquisitions,
                "contended": lock.contended,
                "contended_share": lock.contended / lock.acquisitions if lock.acquisitions else 0,
                "wait_total_ns": lock.wait_total_ns,
                "wait_max_ns": lock.wait_max_ns,
                "hold_total_ns": lock.hold_total_ns,
            }
            for lock in profile.locks
        ],
        "progress": progress_summary(profile),
        "regime": profile.regime,
        "regime_reason": profile.regime_reason,
        "sampler": profile.sampler,
        "machine": machine_summary(profile),
        "timings": profile.timings,
        "command": profile.command,
        "notes": profile.notes,
        "load": profile.load,
    }
