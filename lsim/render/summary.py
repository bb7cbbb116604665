"""The summary: the reference dump's "N goroutines; blocked on ..." block, then the rest.

Blocked counts are means over all census samples, shown with the p10/p50/p90 of blocked
threads per sample, because one Go dump of a contended store is often all-or-nothing and
a mean can describe no dump that ever happened. Throughput always follows: the blocked share
says how oversubscribed the store is, not how fast it is (DESIGN.md §4).

``summary_sections`` builds the content once; the plain-text renderer and ``summary_rich``
(for terminals) only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lsim.profile.diff import group_locks
from lsim.profile.model import Profile, is_blocked_state
from lsim.render.base import (
    Renderer,
    duration_ns,
    percent,
    percentile,
    text_table,
    thousands,
)

_STATE_WORDS = {"sleep": "sleeping", "idle": "idle (not started / done)"}
_STATE_ORDER = ["running", "runnable", "sleep", "idle"]
GO_ENGINES = frozenset({"model", "go", "dump"})  # engines whose threads are goroutines


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]


Section = str | Table  # a line of text, or a table


def _blocked_block(p: Profile) -> list[str]:
    locks = {lk.name.split(".", 1)[0] for lk in p.locks}
    what = f"{locks.pop()} locks" if len(locks) == 1 else "store locks"
    rows = [(f"{op}:", mean) for op, mean in p.blocked_by_operation().items()]
    rows.append(("Total blocked:", p.blocked_mean()))
    # whole threads like a dump, unless the run is so small that rounding would hide an op
    digits = 1 if max(mean for _, mean in rows) < 100 else 0
    numbers = [f"{mean:,.{digits}f}" for _, mean in rows]
    label_w = max(len(label) for label, _ in rows)
    num_w = max(len(n) for n in numbers)
    unit = "goroutines" if p.engine in GO_ENGINES else "threads"  # model and go run Go
    lines = [f"{thousands(p.threads)} {unit}; blocked on {what}:"]
    for (label, mean), number in zip(rows, numbers, strict=True):
        lines.append(
            f"  {label.ljust(label_w)} {number.rjust(num_w)} {unit} ({percent(mean, p.threads)})"
        )
    per = p.blocked_per_sample
    p10, p50, p90 = (percentile(per, q) for q in (10, 50, 90))
    lines.append(
        f"  means over {p.census_samples:,} census samples at {p.census_rate_hz:g} Hz;"
        f" blocked per sample p10/p50/p90: {thousands(p10)} / {thousands(p50)} /"
        f" {thousands(p90)}"
    )
    if per and p.threads and p90 - p10 >= 0.5 * p.threads:
        lines.append(
            "  (all-or-nothing: single dumps swing between those; the mean describes few of them)"
        )
    means = {s: m for s, m in p.state_means().items() if not is_blocked_state(s)}
    order = sorted(means, key=lambda s: (_STATE_ORDER.index(s) if s in _STATE_ORDER else 99, s))
    if order:
        lines.append(
            "  not blocked: "
            + ", ".join(f"{_STATE_WORDS.get(s, s)} {means[s]:,.1f}" for s in order)
        )
    return lines


def _rate(ops_per_s: float) -> str:
    """Whole ops/s, except rare operations (Collect, stale-marker sweeps) that would read 0."""
    return f"{ops_per_s:,.0f}" if ops_per_s >= 10 or ops_per_s == 0 else f"{ops_per_s:.2g}"


def _throughput(p: Profile) -> Table:
    rows = [
        [
            o.operation,
            _rate(o.ops_per_s),
            thousands(o.count),
            duration_ns(o.p50_ns),
            duration_ns(o.p99_ns),
            duration_ns(o.max_ns),
        ]
        for o in sorted(p.operations, key=lambda o: -o.count)
    ]
    title = (
        f"Throughput: {p.ops_per_s:,.0f} ops/s ({thousands(p.total_ops)} ops in "
        f"{p.duration_s:.2f} s)"
    )
    return Table(title, ["operation", "ops/s", "ops", "p50", "p99", "max"], rows)


def _throughput_notes(p: Profile) -> list[str]:
    """What was offered (a load relative to a measured capacity) and how exact latency is."""
    out = []
    precision = next((o.latency_precision for o in p.operations if o.latency_precision), "")
    if precision:
        out.append(f"  latency percentiles: {precision}")
    if p.load:
        from lsim.engine.capacity import describe_load

        out.append(f"Offered: {describe_load(p.load)}")
    return out


def _locks(p: Profile) -> list[Section]:
    groups = sorted(group_locks(p.locks).values(), key=lambda g: -g.wait_total_ns)
    rows = [
        [
            g.name + (f" (x{len(g.members)})" if len(g.members) > 1 else ""),
            g.mode,
            thousands(g.acquisitions),
            percent(g.contended, g.acquisitions),
            duration_ns(g.wait_total_ns),
            duration_ns(g.wait_max_ns),
            duration_ns(g.hold_total_ns),
        ]
        for g in groups
    ]
    out: list[Section] = [
        Table(
            "Locks:",
            ["lock", "mode", "acquisitions", "contended", "wait total", "wait max", "hold"],
            rows,
        )
    ]
    for g in groups:
        if len(g.members) > 1 and g.wait_total_ns:
            waits = {
                lk.name: lk.wait_total_ns
                for lk in p.locks
                if lk.name in g.members and lk.mode == g.mode
            }
            top = max(waits, key=lambda n: waits[n])
            out.append(
                f"  busiest of {len(g.members)}: {top} with "
                f"{percent(waits[top], g.wait_total_ns)} of the wait "
                f"(even spread: {percent(1, len(g.members))})"
            )
    starving = sum(lk.starvation_entries for lk in p.locks)
    if starving:
        handoffs = sum(lk.handoffs for lk in p.locks)
        out.append(f"  starvation mode entered {starving:,} times, {handoffs:,} hand-offs")
    return out


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def summary_sections(p: Profile) -> list[Section]:
    options = "".join(f" {k}={v}" for k, v in sorted(p.store_options.items()))
    out: list[Section] = [
        f"lsim {p.engine}: store {p.store}{options}, workload {p.workload_name}, "
        f"{p.duration_s:.2f} s",
        "",
        *_blocked_block(p),
        "",
        _throughput(p),
        *_throughput_notes(p),
        "",
        *_locks(p),
        "",
    ]
    iterations = p.timings.get("iterations")
    if iterations and "iteration_ns_median" in p.timings:
        t = p.timings
        fresh = "goroutines" if p.engine in GO_ENGINES else "threads"
        out.append(
            f"Burst: {iterations:,.0f} iterations of fresh {fresh}; "
            f"per iteration median {duration_ns(t['iteration_ns_median'])} "
            f"(min {duration_ns(t['iteration_ns_min'])}, max {duration_ns(t['iteration_ns_max'])})"
        )
    ops = p.thread_ops
    if ops:
        never = sum(1 for n in ops if n == 0)
        out.append(
            f"Per-thread progress: p10/p50/p90 {thousands(percentile(ops, 10))} / "
            f"{thousands(percentile(ops, 50))} / {thousands(percentile(ops, 90))} ops "
            f"(min {min(ops):,}, max {max(ops):,}); {never:,} "
            f"thread{'' if never == 1 else 's'} never ran"
        )
    out.append(
        f"Regime: {p.regime} ({p.regime_reason})" if p.regime_reason else f"Regime: {p.regime}"
    )
    if p.sampler:
        out.append(
            "Sampler: " + ", ".join(f"{k} {_format_value(v)}" for k, v in sorted(p.sampler.items()))
        )
    if p.notes:
        out.append("Notes:")
        out.extend(f"  - {note}" for note in p.notes)
    out.append(f"Reproduce: {p.command}  (seed {p.seed})")
    return out


class SummaryRenderer(Renderer):
    name = "summary"
    suffixes = (".txt",)

    def render(self, profile: Profile) -> str:
        lines: list[str] = []
        for section in summary_sections(profile):
            if isinstance(section, Table):
                lines.append(section.title)
                lines.extend(text_table(section.headers, section.rows))
            else:
                lines.append(section)
        return "\n".join(lines) + "\n"


def summary_rich(profile: Profile) -> Any:
    """The same content as rich renderables (a ``rich.console.Group``) for a terminal."""
    from rich import box
    from rich.console import Group
    from rich.table import Table as RichTable
    from rich.text import Text

    parts: list[Any] = []
    for section in summary_sections(profile):
        if isinstance(section, Table):
            table = RichTable(title=section.title, title_justify="left", box=box.SIMPLE_HEAD)
            for i, header in enumerate(section.headers):
                table.add_column(
                    header, justify="left" if i == 0 else "right", style="bold" if i == 0 else None
                )
            for row in section.rows:
                table.add_row(*row)
            parts.append(table)
        elif "blocked on" in section or section.startswith("  Total blocked"):
            parts.append(Text(section, style="bold red"))
        else:
            parts.append(Text(section))
    return Group(*parts)
