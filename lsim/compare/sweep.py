"""A sweep: the compare measurements along one axis (shard count, or thread count).

``--shards 1,2,4,...,256`` measures ``sharded-N`` for each N, plus ``mutex`` once per round
as the baseline the document's predictions are relative to. ``--threads 100,1000,...``
measures each of ``--stores`` (default mutex and sharded-64) at each thread count; rows are
then compared only with rows at the same thread count.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsim.compare.aggregate import Spread
from lsim.compare.report import BASELINE, ComparisonReport
from lsim.compare.schedule import Variant, parse_counts, parse_stores
from lsim.errors import ConfigError
from lsim.limits import MAX_GOROUTINES_MODEL, MAX_SHARDS

AXES = ("shards", "threads")
DEFAULT_SHARD_AXIS = "1,2,4,...,256"
DEFAULT_THREAD_STORES = "mutex,sharded"
DEFAULT_THREAD_SHARDS = 64


@dataclass(frozen=True)
class SweepPlan:
    axis: str  # "shards" | "threads"
    values: tuple[int, ...]
    variants: list[Variant]
    fixed_threads: int | None  # a shards sweep at one --threads value


def plan_sweep(
    shards: str | None, threads: str | None, stores: str | None, baseline: bool = True
) -> SweepPlan:
    """Pick the axis (the option with several values) and the variants along it."""
    shard_values = parse_counts(shards, "--shards", 1, MAX_SHARDS) if shards is not None else ()
    # the threads engine checks its own per-process limit when the experiment is prepared
    thread_values = (
        parse_counts(threads, "--threads", 1, MAX_GOROUTINES_MODEL) if threads is not None else ()
    )
    if len(shard_values) > 1 and len(thread_values) > 1:
        raise ConfigError(
            "sweep one axis at a time: give several values to --shards or to --threads, not both",
            source="--threads",
        )
    if len(thread_values) > 1 or (thread_values and not shard_values):
        count = shard_values[0] if shard_values else DEFAULT_THREAD_SHARDS
        designs = parse_stores(stores or DEFAULT_THREAD_STORES)
        variants = [
            Variant(s, count if s == "sharded" else None, t) for t in thread_values for s in designs
        ]
        return SweepPlan("threads", thread_values, variants, None)
    if stores is not None:
        raise ConfigError(
            "applies to a --threads sweep; a --shards sweep measures sharded "
            "(and mutex as the baseline, see --no-baseline)",
            source="--stores",
        )
    values = shard_values or parse_counts(DEFAULT_SHARD_AXIS, "--shards", 1, MAX_SHARDS)
    variants = [Variant(BASELINE)] if baseline else []
    variants += [Variant("sharded", n) for n in values]
    return SweepPlan("shards", values, variants, thread_values[0] if thread_values else None)


@dataclass(frozen=True)
class Point:
    x: int
    throughput: Spread
    blocked: Spread


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class SweepChart:
    """What the plots draw: one line per design along the axis, and an optional baseline."""

    axis: str
    series: tuple[Series, ...]
    baseline: Series | None  # shards sweep: mutex, drawn as a horizontal reference


def chart_data(report: ComparisonReport, axis: str) -> SweepChart:
    lines: dict[str, list[Point]] = {}
    baseline: Series | None = None
    for row in report.rows:
        s, v = row.summary, row.summary.variant
        if axis == "shards" and v.store != "sharded":
            baseline = Series(v.design, (Point(0, s.throughput, s.blocked),))
            continue
        x = v.shards if axis == "shards" and v.shards else s.threads
        name = "sharded" if axis == "shards" else v.design
        lines.setdefault(name, []).append(Point(x, s.throughput, s.blocked))
    series = tuple(Series(n, tuple(sorted(p, key=lambda q: q.x))) for n, p in lines.items())
    return SweepChart(axis, series, baseline)
