"""A terminal chart of a sweep: one unicode bar per point, for throughput and blocked share.

Bars use eighth blocks so that a 40-column bar still shows 320 steps; the text after each bar
gives the median and the min-max of the repetitions, because a bar alone hides the spread.
"""

from __future__ import annotations

from lsim.compare.aggregate import Spread
from lsim.compare.sweep import SweepChart

EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(value: float, top: float, width: int) -> str:
    """A left-aligned bar of ``width`` cells, full when ``value == top``."""
    if top <= 0 or value <= 0:
        return " " * width
    eighths = round(min(value / top, 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (EIGHTHS[part] if part else "")
    return text.ljust(width)


def _rows(chart: SweepChart) -> list[tuple[str, Spread, Spread]]:
    rows: list[tuple[str, Spread, Spread]] = []
    if chart.baseline is not None:
        point = chart.baseline.points[0]
        rows.append((f"{chart.baseline.name} (baseline)", point.throughput, point.blocked))
    many = len(chart.series) > 1
    unit = {"shards": "shards", "gomaxprocs": "Ps", "goroutines": "goroutines"}.get(
        chart.axis, "threads"
    )
    for series in chart.series:
        for p in series.points:
            if chart.axis == "offered":  # 0.5x, or 20,000 ops/s
                at = f"{p.x:g}x" if chart.unit == "x" else f"{p.x:,.0f} ops/s"
                name = f"{series.name} @{at}" if many else f"{at} offered"
                rows.append((name, p.throughput, p.blocked))
                continue
            plural = unit if p.x != 1 else unit[:-1]
            x = f"{p.x:,.0f}"
            name = f"{series.name} @{x}" if many else f"{x} {plural}"
            rows.append((name, p.throughput, p.blocked))
    return rows


def terminal_chart(chart: SweepChart, width: int = 36) -> str:
    rows = _rows(chart)
    if not rows:
        return ""
    label_w = max(len(name) for name, _, _ in rows)
    top = max(t.high for _, t, _ in rows)
    lines = ["throughput, ops/s (bar: median; min-max after it)"]
    for name, t, _ in rows:
        lines.append(
            f"  {name.ljust(label_w)}  {bar(t.median, top, width)}  "
            f"{t.median:,.0f} ({t.low:,.0f}-{t.high:,.0f})"
        )
    lines.append("blocked share (bar: median, full width = 100%)")
    for name, _, b in rows:
        lines.append(
            f"  {name.ljust(label_w)}  {bar(b.median, 1.0, width)}  "
            f"{b.median:.1%} ({b.low:.1%}-{b.high:.1%})"
        )
    return "\n".join(lines) + "\n"
