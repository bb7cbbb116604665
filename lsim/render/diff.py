"""Text and Markdown tables, and JSON, for a :class:`~lsim.profile.diff.ProfileDiff`.

Blocked threads and throughput first (the two numbers a reader of the reference dump wants),
then locks matched by role. Deltas read like benchstat: ``-76.00%`` for blocked threads,
``2.45x`` for throughput; ``~`` where a side is missing or zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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


Section = tuple[str, list[str], list[list[str]]]  # title, headers, rows


def _sections(diff: ProfileDiff) -> list[Section]:
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
    return [
        (
            "Blocked threads (mean per census sample):",
            ["operation", "before", "after", "delta"],
            blocked_rows,
        ),
        (
            "Throughput (ops/s) and p99 latency:",
            ["operation", "before", "after", "ratio", "p99 before", "p99 after", "ratio"],
            rate_rows,
        ),
        (
            "Locks, matched by role (shard locks summed as the one store lock):",
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
        ),
    ]


def render_diff(diff: ProfileDiff) -> str:
    """The text tables (``lsim profile diff A B``)."""
    lines = [f"before: {diff.before_label}", f"after:  {diff.after_label}"]
    for title, headers, rows in _sections(diff):
        lines += ["", title, *text_table(headers, rows)]
    from lsim.render.resemblance import resemblance_lines

    lines += resemblance_lines(diff.resemblance)
    if diff.notes:
        lines.append("")
        lines.append("Notes:")
        lines += [f"  - {note}" for note in diff.notes]
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|") or " "


def render_diff_markdown(diff: ProfileDiff) -> str:
    """The same tables in Markdown (``lsim profile diff A B -f markdown``), for notes and PRs."""
    lines = [f"**before:** {diff.before_label}  ", f"**after:** {diff.after_label}"]
    for title, headers, rows in _sections(diff):
        lines += ["", f"**{title.rstrip(':')}**", ""]
        lines.append("| " + " | ".join(_md_cell(h) for h in headers) + " |")
        lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|")
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    from lsim.render.resemblance import resemblance_markdown

    lines += resemblance_markdown(diff.resemblance)
    if diff.notes:
        lines += ["", "Notes:", ""]
        lines += [f"- {note}" for note in diff.notes]
    return "\n".join(lines) + "\n"


DIFF_VERSION = 1


def change_dict(change: Change, *, zero: bool = False) -> dict[str, float | None]:
    """One number before/after with its delta, ratio (after/before) and percent change.

    ``zero``: a side that has no such number (an operation that never ran) counts as 0.
    """
    before, after = change.before, change.after
    if zero:
        change = Change(before or 0.0, after or 0.0)
    return {
        "before": change.before,
        "after": change.after,
        "delta": change.delta,
        "ratio": change.ratio,
        "percent": change.percent,
    }


def diff_dict(diff: ProfileDiff, operations: Sequence[str] = ()) -> dict[str, Any]:
    """``lsim profile diff -f json``: every store operation listed, 0 where nothing happened."""
    from lsim.profile.report import STORE_OPERATIONS

    by_op = {op.operation: op for op in diff.operations}
    names = list(dict.fromkeys([*(operations or STORE_OPERATIONS), *by_op]))
    none = Change(None, None)
    return {
        "diff_version": DIFF_VERSION,
        "before": diff.before_label,
        "after": diff.after_label,
        "threads": change_dict(diff.threads),
        "blocked_total": change_dict(diff.blocked_total),
        "blocked_share": change_dict(diff.blocked_share),
        "throughput": change_dict(diff.throughput),
        "operations": {
            name: {
                "blocked": change_dict(by_op[name].blocked if name in by_op else none, zero=True),
                "ops_per_s": change_dict(
                    by_op[name].ops_per_s if name in by_op else none, zero=True
                ),
                "p99_ns": change_dict(by_op[name].p99_ns if name in by_op else none, zero=True),
            }
            for name in names
        },
        "locks": [
            {
                "role": lk.role,
                "mode": lk.mode,
                "locks_before": lk.locks_before,
                "locks_after": lk.locks_after,
                "wait_total_ns": change_dict(lk.wait_total_ns),
                "contended_share": change_dict(lk.contended_share),
                "acquisitions": change_dict(lk.acquisitions),
            }
            for lk in diff.locks
        ],
        "notes": list(diff.notes),
        "resemblance": _resemblance_dict(diff),
    }


def _resemblance_dict(diff: ProfileDiff) -> dict[str, Any] | None:
    from lsim.render.resemblance import resemblance_dict

    return resemblance_dict(diff.resemblance)
