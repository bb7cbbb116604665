"""A sweep: the compare measurements along one axis, or over a grid of several.

``--shards 1,2,4,...,256`` measures ``sharded-N`` for each N, plus ``mutex`` once per round
as the baseline the document's predictions are relative to. ``--threads 100,1000,...``
measures each of ``--stores`` (default mutex and sharded-64) at each thread count; rows are
then compared only with rows at the same thread count. For capacity planning on the model
engine, ``--gomaxprocs 2,4,8`` and ``--goroutines 2000,20000`` are axes too, and several
lists at once make a grid: every design at every combination (GOMAXPROCS x goroutines, and
shard counts when ``--shards`` lists several), each cell compared with its own mutex.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from lsim.compare.aggregate import Spread
from lsim.compare.report import BASELINE, ComparisonReport
from lsim.compare.schedule import Variant, parse_counts, parse_stores
from lsim.errors import ConfigError
from lsim.limits import MAX_GOROUTINES_MODEL, MAX_SHARDS

AXES = ("shards", "threads", "gomaxprocs", "goroutines", "grid")
DEFAULT_SHARD_AXIS = "1,2,4,...,256"
DEFAULT_THREAD_STORES = "mutex,sharded"
DEFAULT_THREAD_SHARDS = 64
MAX_GOMAXPROCS = 4096  # lsim.cli.options' bound on --gomaxprocs


@dataclass(frozen=True)
class SweepPlan:
    axis: str  # one of AXES
    values: tuple[int, ...]  # the axis' values (a grid: the cells' indices)
    variants: list[Variant]
    fixed_threads: int | None  # a shards sweep at one --threads value
    fixed_gomaxprocs: int | None = None  # one --gomaxprocs value: every run's
    fixed_goroutines: int | None = None  # one --goroutines value: every run's


def plan_sweep(
    shards: str | None, threads: str | None, stores: str | None, baseline: bool = True,
    gomaxprocs: str | None = None, goroutines: str | None = None,
) -> SweepPlan:  # fmt: skip
    """Pick the axis (the option with several values) and the variants along it; a grid
    when ``--gomaxprocs`` or ``--goroutines`` lists several values."""
    procs = parse_counts(gomaxprocs, "--gomaxprocs", 1, MAX_GOMAXPROCS) if gomaxprocs else ()
    counts = parse_counts(goroutines, "--goroutines", 1, MAX_GOROUTINES_MODEL) if goroutines else ()
    if len(procs) > 1 or len(counts) > 1:
        return _grid(shards, threads, stores, procs, counts)
    plan = _one_axis(shards, threads, stores, baseline)
    return SweepPlan(plan.axis, plan.values, plan.variants, plan.fixed_threads,
                     procs[0] if procs else None, counts[0] if counts else None)  # fmt: skip


def _grid(shards: str | None, threads: str | None, stores: str | None,
          procs: tuple[int, ...], counts: tuple[int, ...]) -> SweepPlan:  # fmt: skip
    """Every design at every (goroutines, GOMAXPROCS) cell (the model's capacity grid)."""
    if threads is not None and counts:
        raise ConfigError(
            "give the goroutine counts once: --goroutines (or --threads), not both",
            source="--threads",
        )
    if threads is not None:
        counts = parse_counts(threads, "--threads", 1, MAX_GOROUTINES_MODEL)
    shard_values = (
        parse_counts(shards, "--shards", 1, MAX_SHARDS) if shards else (DEFAULT_THREAD_SHARDS,)
    )
    designs = parse_stores(stores or DEFAULT_THREAD_STORES)
    if len(shard_values) > 1 and "sharded" not in designs:
        raise ConfigError("applies to the sharded design; add sharded to --stores",
                          source="--shards")  # fmt: skip
    stores_at = [(d, n) for d in designs for n in (shard_values if d == "sharded" else (None,))]
    variants = [
        Variant(d, n, t, None, p)
        for t, p in itertools.product(counts or (None,), procs or (None,))
        for d, n in stores_at
    ]
    lists = {"goroutines": counts, "gomaxprocs": procs, "shards": shard_values}
    varied = [name for name, values in lists.items() if len(values) > 1]
    axis = varied[0] if len(varied) == 1 else "grid"
    values = lists[axis] if axis != "grid" else tuple(range(len(variants)))
    fixed_p = procs[0] if len(procs) == 1 else None
    fixed_n = counts[0] if len(counts) == 1 else None
    return SweepPlan(axis, values, variants, None, fixed_p, fixed_n)


def _one_axis(
    shards: str | None, threads: str | None, stores: str | None, baseline: bool
) -> SweepPlan:
    """The shards or threads axis (the option with several values)."""
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
        if axis == "gomaxprocs":
            x = v.gomaxprocs or 0
        else:
            x = v.shards if axis == "shards" and v.shards else s.threads
        name = "sharded" if axis == "shards" else v.design
        lines.setdefault(name, []).append(Point(x, s.throughput, s.blocked))
    series = tuple(Series(n, tuple(sorted(p, key=lambda q: q.x))) for n, p in lines.items())
    return SweepChart(axis, series, baseline)


@dataclass(frozen=True)
class GridChart:
    """What a grid's heat map draws: per design, median throughput at (goroutines, Ps)."""

    goroutines: tuple[int, ...]  # rows
    gomaxprocs: tuple[int, ...]  # columns
    designs: tuple[str, ...]
    throughput: dict[tuple[str, int, int], float]  # (design, goroutines, Ps) -> median ops/s


def grid_data(report: ComparisonReport) -> GridChart:
    cells: dict[tuple[str, int, int], float] = {}
    for row in report.rows:
        s, v = row.summary, row.summary.variant
        cells[(v.design, v.threads or s.threads, v.gomaxprocs or 0)] = s.throughput.median
    return GridChart(
        tuple(sorted({n for _, n, _ in cells})),
        tuple(sorted({p for _, _, p in cells})),
        tuple(dict.fromkeys(d for d, _, _ in cells)),
        cells,
    )
