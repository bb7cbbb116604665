"""The comparison as JSON (everything, for scripts) and CSV (one flat row per design).

Keys and column names are stable: add new ones, never rename. Shares and reductions are
fractions (0.25 = 25%), latencies nanoseconds, throughput operations per second.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from typing import Any

from lsim.compare.aggregate import Spread
from lsim.compare.report import LEGEND, ComparisonReport, Row
from lsim.profile.report import STORE_OPERATIONS

COMPARE_VERSION = 1


def spread_dict(s: Spread) -> dict[str, float | int]:
    return {"median": s.median, "min": s.low, "max": s.high, "n": s.n}


NO_RUNS: dict[str, float | int] = {"median": 0.0, "min": 0.0, "max": 0.0, "n": 0}  # never ran


def row_dict(row: Row) -> dict[str, Any]:
    s, v = row.summary, row.summary.variant
    prediction = None
    if row.prediction is not None:
        prediction = asdict(row.prediction)
    # every store operation in every per-operation map, 0 where nothing happened
    ops = list(dict.fromkeys([*STORE_OPERATIONS, *s.blocked_by_op, *s.p99_ns, *s.calls]))
    return {
        "design": v.label,
        "store": v.store,
        "shards": v.shards,
        "threads": s.threads,
        "gomaxprocs": v.gomaxprocs,  # a --gomaxprocs sweep's value (None: not swept)
        "offered": v.offered,  # a --offered sweep's value (None: the workload's own load)
        "runs": s.runs,
        "reference": row.reference,
        "throughput_ops_per_s": spread_dict(s.throughput),
        "throughput_ratio": row.throughput_ratio,
        "blocked_share": spread_dict(s.blocked),
        "blocked_share_by_operation": {  # nobody waited there in any run: 0 in each run
            op: spread_dict(s.blocked_by_op[op])
            if op in s.blocked_by_op
            else {**NO_RUNS, "n": s.runs}
            for op in ops
        },
        "blocked_reduction": row.blocked_reduction,
        "predicted_reduction": prediction,
        "p99_ns": {
            op: spread_dict(s.p99_ns[op]) if op in s.p99_ns else dict(NO_RUNS) for op in ops
        },
        "calls": {op: s.calls.get(op, 0) for op in ops},
        "regime": s.regime,
        "regimes": s.regimes,
        "profiles": [None if p is None else str(p) for p in s.profiles],
    }


def report_dict(report: ComparisonReport) -> dict[str, Any]:
    return {
        "compare_version": COMPARE_VERSION,
        "command": report.command,
        "axis": report.axis,
        "workload": report.workload,
        "seed": report.seed,
        "engine": report.engine,
        "repeat": report.repeat,
        "hot_operations": report.hot_ops,
        "groups": [
            {
                "title": g.title,
                "rows": [row_dict(r) for r in g.rows],
                "verdict": asdict(g.verdict),
                "notes": g.notes,
            }
            for g in report.groups
        ],
        "schedule": [asdict(e) for e in report.schedule],
        "interrupted": report.interrupted,
        "profiles_dir": report.profiles_dir,
        "notes": report.notes,
        "legend": LEGEND,
    }


def render_json(report: ComparisonReport) -> str:
    return json.dumps(report_dict(report), indent=2, sort_keys=True) + "\n"


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def render_csv(report: ComparisonReport) -> str:
    ops = report.hot_ops
    header = [
        "design",
        "store",
        "shards",
        "threads",
        "gomaxprocs",
        "offered",
        "runs",
        "reference",
        "ops_per_s_median",
        "ops_per_s_min",
        "ops_per_s_max",
        "throughput_ratio",
        "blocked_share_median",
        "blocked_share_min",
        "blocked_share_max",
        "blocked_reduction",
        "predicted_reduction_low",
        "predicted_reduction_high",
        "regime",
    ]
    header += [f"p99_ns_{op}" for op in ops] + [f"blocked_share_{op}" for op in ops]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in report.rows:
        s, p = row.summary, row.prediction
        writer.writerow(
            [
                s.variant.label,
                s.variant.store,
                s.variant.shards or "",
                s.threads,
                s.variant.gomaxprocs or "",
                s.variant.offered or "",
                s.runs,
                row.reference,
                _num(s.throughput.median),
                _num(s.throughput.low),
                _num(s.throughput.high),
                _num(row.throughput_ratio),
                _num(s.blocked.median),
                _num(s.blocked.low),
                _num(s.blocked.high),
                _num(row.blocked_reduction),
                _num(p.low if p else None),
                _num(p.high if p else None),
                s.regime,
                *(_num(s.p99_ns[op].median if op in s.p99_ns else None) for op in ops),
                *(_num(s.blocked_by_op[op].median if op in s.blocked_by_op else 0.0) for op in ops),
            ]
        )
    return buffer.getvalue()
