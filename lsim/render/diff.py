"""Text tables for a :class:`~lsim.profile.diff.ProfileDiff` (``lsim diff A B``).

Blocked threads and throughput first (the two numbers a reader of the reference dump wants),
then locks matched by role. Deltas read like benchstat: ``-76.00%`` for blocked threads,
``2.45x`` for throughput; ``~`` where a side is missing or zero.
"""

from __future__ import annotations

from lsim.profile.diff import Change, ProfileDiff
from lsim.render.base import duration_ns, text_table


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _pct(change: Change) -> str:
    pct = change.percent
    if pct is None:
        return "~" if not change.before and not change.after else "new"
    return f"{pct:+.2f}%"


def _ratio(change: Change) -> str:
    ratio = change.ratio
    return "~" if ratio is None else f"{ratio:.2f}x"


def _ns(value: float | None) -> str:
    return "-" if value is None else duration_ns(value)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def render_diff(diff: ProfileDiff) -> str:
    lines = [f"before: {diff.before_label}", f"after:  {diff.after_label}", ""]
    blocked_rows = [
        [op.operation, _num(op.blocked.before), _num(op.blocked.after), _pct(op.blocked)]
        for op in diff.operations
        if op.blocked.before or op.blocked.after
    ]
    blocked_rows.append(
        [
            "Total blocked",
            _num(diff.blocked_total.before),
            _num(diff.blocked_total.after),
            _pct(diff.blocked_total),
        ]
    )
    blocked_rows.append(
        [
            "share of threads",
            _share(diff.blocked_share.before),
            _share(diff.blocked_share.after),
            _pct(diff.blocked_share),
        ]
    )
    lines.append("Blocked threads (mean per census sample):")
    lines += text_table(["operation", "before", "after", "delta"], blocked_rows)
    lines.append("")

    rate_rows = [
        [
            "total",
            _num(diff.throughput.before, 0),
            _num(diff.throughput.after, 0),
            _ratio(diff.throughput),
            "",
            "",
            "",
        ]
    ]
    rate_rows += [
        [
            op.operation,
            _num(op.ops_per_s.before, 0),
            _num(op.ops_per_s.after, 0),
            _ratio(op.ops_per_s),
            _ns(op.p99_ns.before),
            _ns(op.p99_ns.after),
            _ratio(op.p99_ns),
        ]
        for op in diff.operations
        if op.ops_per_s.before is not None or op.ops_per_s.after is not None
    ]
    lines.append("Throughput (ops/s) and p99 latency:")
    lines += text_table(
        ["operation", "before", "after", "ratio", "p99 before", "p99 after", "ratio"], rate_rows
    )
    lines.append("")

    lock_rows = []
    for lk in diff.locks:
        counts = f"{lk.locks_before} -> {lk.locks_after}"
        lock_rows.append(
            [
                lk.role,
                lk.mode,
                counts,
                _ns(lk.wait_total_ns.before),
                _ns(lk.wait_total_ns.after),
                _pct(lk.wait_total_ns),
                _share(lk.contended_share.before),
                _share(lk.contended_share.after),
                _num(lk.acquisitions.before, 0),
                _num(lk.acquisitions.after, 0),
            ]
        )
    lines.append("Locks, matched by role (shard locks summed as the one store lock):")
    lines += text_table(
        [
            "lock",
            "mode",
            "locks",
            "wait before",
            "wait after",
            "delta",
            "contended before",
            "after",
            "acquisitions before",
            "after",
        ],
        lock_rows,
    )
    if diff.notes:
        lines.append("")
        lines.append("Notes:")
        lines += [f"  - {note}" for note in diff.notes]
    return "\n".join(lines) + "\n"
