"""The comparison table as text or markdown (data in, string out; nothing here prints).

One row per design. Columns, left to right: throughput (median, min-max, ratio to the
reference), per hot operation its p99 latency and blocked share, the total blocked share,
the measured reduction beside the document's prediction, and the regime.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lsim.compare.aggregate import Spread
from lsim.compare.report import LEGEND, ComparisonReport, Group, Row
from lsim.render.base import duration_ns

DASH = "-"


@dataclass(frozen=True)
class Column:
    group: str  # spanning header ("" for none)
    name: str
    cell: Callable[[Row], str]
    left: bool = False


def ops(value: float) -> str:
    return f"{value:,.0f}"


def share(value: float | None) -> str:
    return DASH if value is None else f"{value:.1%}"


def ratio(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}x"


def spread_range(s: Spread, fmt: Callable[[float], str]) -> str:
    return fmt(s.low) if s.low == s.high else f"{fmt(s.low)}-{fmt(s.high)}"


def reduction(row: Row) -> str:
    if row.is_reference:
        return "(ref)"
    return DASH if row.blocked_reduction is None else f"{row.blocked_reduction:.0%}"


def predicted(row: Row) -> str:
    return DASH if row.prediction is None else row.prediction.text


def _p99(op: str) -> Callable[[Row], str]:
    def cell(row: Row) -> str:
        s = row.summary.p99_ns.get(op)
        return DASH if s is None else duration_ns(s.median)

    return cell


def _blocked(op: str) -> Callable[[Row], str]:
    def cell(row: Row) -> str:
        s = row.summary.blocked_by_op.get(op)
        return share(0.0 if s is None else s.median)

    return cell


def columns(report: ComparisonReport) -> list[Column]:
    refs = {row.reference.split(" @")[0] for row in report.rows}
    versus = f"x {refs.pop()}" if len(refs) == 1 else "x ref"
    tput = "throughput ops/s"
    cols = [
        Column("", "design", lambda r: r.label, left=True),
        Column("", "runs", lambda r: str(r.summary.runs)),
        Column(tput, "median", lambda r: ops(r.summary.throughput.median)),
        Column(tput, "min-max", lambda r: spread_range(r.summary.throughput, ops)),
        Column(tput, versus, lambda r: ratio(r.throughput_ratio)),
    ]
    for op in report.hot_ops:
        cols += [Column(op, "p99", _p99(op)), Column(op, "blocked", _blocked(op))]
    cols += [
        Column("blocked threads", "total", lambda r: share(r.summary.blocked.median)),
        Column("blocked threads", "reduction", reduction),
        Column("blocked threads", "predicted", predicted),
        Column("", "regime", lambda r: r.summary.regime_label, left=True),
    ]
    return cols


def _layout(cols: Sequence[Column], rows: Sequence[Row]) -> list[str]:
    cells = [[c.cell(r) for c in cols] for r in rows]
    widths = [max([len(c.name), *(len(line[i]) for line in cells)]) for i, c in enumerate(cols)]
    spans: list[tuple[str, list[int]]] = []
    for i, c in enumerate(cols):
        if spans and spans[-1][0] == c.group:
            spans[-1][1].append(i)
        else:
            spans.append((c.group, [i]))
    for group, members in spans:  # a group name wider than its columns widens them evenly
        room = sum(widths[i] for i in members) + 2 * (len(members) - 1)
        for k in range(max(0, len(group) - room)):
            widths[members[k % len(members)]] += 1
    top = "  ".join(
        group.center(sum(widths[i] for i in members) + 2 * (len(members) - 1))
        for group, members in spans
    )

    def line(values: Sequence[str]) -> str:
        parts = [
            v.ljust(w) if c.left else v.rjust(w)
            for v, w, c in zip(values, widths, cols, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return [top.rstrip(), line([c.name for c in cols]), *(line(v) for v in cells)]


def title_line(report: ComparisonReport) -> str:
    threads = sorted({r.summary.threads for r in report.rows})
    parts = [
        f"lsim {report.command}" + (f" --{report.axis}" if report.axis else ""),
        f"workload {report.workload}",
        f"seed {report.seed}",
        f"{report.engine} engine",
    ]
    if len(threads) == 1:
        parts.append(f"{threads[0]:,} threads")
    parts.append(f"{report.repeat} repetition{'s' if report.repeat != 1 else ''}, interleaved")
    return " · ".join(parts)


def _group_text(report: ComparisonReport, group: Group) -> list[str]:
    lines = [f"[{group.title}]"] if group.title else []
    lines += _layout(columns(report), group.rows)
    lines += ["", f"Verdict: {group.verdict.text}"]
    lines += [f"Note: {n}" for n in group.notes]
    return lines


def render_text(report: ComparisonReport) -> str:
    lines = [title_line(report), ""]
    if not report.rows:
        lines.append("No run finished: nothing to show.")
    for i, group in enumerate(report.groups):
        lines += ([""] if i else []) + _group_text(report, group)
    lines += [f"Note: {n}" for n in report.notes]
    if report.rows:
        lines += ["", *textwrap.wrap(LEGEND, width=100)]
    if report.profiles_dir:
        lines.append(f"Profiles: {report.profiles_dir}/ (any pair: lsim profile diff A B)")
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: ComparisonReport) -> str:
    cols = columns(report)
    heads = [f"{c.group} {c.name}".strip() for c in cols]
    out = [f"### {title_line(report)}", ""]
    for group in report.groups:
        if group.title:
            out += [f"#### {group.title}", ""]
        out.append("| " + " | ".join(_md_escape(h) for h in heads) + " |")
        out.append("|" + "|".join(":---" if c.left else "---:" for c in cols) + "|")
        for row in group.rows:
            out.append("| " + " | ".join(_md_escape(c.cell(row)) for c in cols) + " |")
        out += ["", f"**Verdict:** {group.verdict.text}", ""]
        out += [f"- {n}" for n in group.notes]
        out += [""] if group.notes else []
    out += [f"- {n}" for n in report.notes]
    out += ["", f"_{LEGEND}_"] if report.rows else ["No run finished: nothing to show."]
    return "\n".join(out).rstrip() + "\n"
