"""The run report as plain data: the stable JSON keys of ``lsim run -f json``.

Keys are documented in README.md ("JSON report"); add keys, never rename them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from lsim.profile.model import Profile

REPORT_VERSION = 1


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
    return {
        "samples": profile.census_samples,
        "rate_hz": profile.census_rate_hz,
        "threads": live,
        "blocked_by_operation": profile.blocked_by_operation(),
        "blocked_mean": blocked,
        "blocked_share": blocked / live if live else 0.0,
        "blocked_p10": percentile(samples, 10),
        "blocked_p50": percentile(samples, 50),
        "blocked_p90": percentile(samples, 90),
        "states": states,
    }


def progress_summary(profile: Profile) -> dict[str, Any]:
    ops = profile.thread_ops
    return {
        "ops_p10": percentile(ops, 10),
        "ops_p50": percentile(ops, 50),
        "ops_p90": percentile(ops, 90),
        "never_ran": sum(1 for n in ops if n == 0),
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
            "by_operation": {
                r.operation: {
                    "count": r.count,
                    "ops_per_s": r.ops_per_s,
                    "p50_ns": r.p50_ns,
                    "p99_ns": r.p99_ns,
                    "max_ns": r.max_ns,
                }
                for r in profile.operations
            },
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
        "timings": profile.timings,
        "command": profile.command,
        "notes": profile.notes,
    }
