"""A sweep: the compare measurements along one axis, or over a grid of several.

``--shards 1,2,4,...,256`` measures ``sharded-N`` for each N, plus ``mutex`` once per round
as the baseline the document's predictions are relative to. ``--threads 100,1000,...``
measures each of ``--stores`` (default mutex and sharded-64) at each thread count; rows are
then compared only with rows at the same thread count. For capacity planning on the model
engine, ``--gomaxprocs 2,4,8`` and ``--goroutines 2000,20000`` are axes too, and several
lists at once make a grid: every design at every combination (GOMAXPROCS x goroutines, and
shard counts when ``--shards`` lists several), each cell compared with its own mutex.
``--offered 0.5x,0.8x,1x,1.2x`` sweeps the offered load (``lsim.compare.offered_axis``), alone
or as one of a grid's two axes (with ``--gomaxprocs`` or ``--goroutines``).
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

from lsim.compare.aggregate import Spread
from lsim.compare.offered_axis import OfferedStep, parse_offered_axis, parse_step
from lsim.compare.report import BASELINE, ComparisonReport
from lsim.compare.schedule import Variant, parse_counts, parse_stores
from lsim.errors import ConfigError
from lsim.limits import MAX_GOROUTINES_MODEL, MAX_SHARDS

AXES = ("shards", "threads", "gomaxprocs", "goroutines", "offered", "grid")
GRID_AXES = ("goroutines", "offered", "gomaxprocs")  # a heat map's rows, then its columns
DEFAULT_SHARD_AXIS = "1,2,4,...,256"
DEFAULT_THREAD_STORES = "mutex,sharded"
DEFAULT_THREAD_SHARDS = 64
MAX_GOMAXPROCS = 4096  # lsim.cli.options' bound on --gomaxprocs


@dataclass(frozen=True)
class SweepPlan:
    axis: str  # one of AXES
    values: tuple[float, ...]  # the axis' values (a grid: the cells' indices)
    variants: list[Variant]
    fixed_threads: int | None  # a shards sweep at one --threads value
    fixed_gomaxprocs: int | None = None  # one --gomaxprocs value: every run's
    fixed_goroutines: int | None = None  # one --goroutines value: every run's


def plan_sweep(
    shards: str | None, threads: str | None, stores: str | None, baseline: bool = True,
    gomaxprocs: str | None = None, goroutines: str | None = None, offered: str | None = None,
) -> SweepPlan:  # fmt: skip
    """Pick the axis (the option with several values) and the variants along it; a grid
    when ``--gomaxprocs``, ``--goroutines`` or ``--offered`` lists several values."""
    procs = parse_counts(gomaxprocs, "--gomaxprocs", 1, MAX_GOMAXPROCS) if gomaxprocs else ()
    counts = parse_counts(goroutines, "--goroutines", 1, MAX_GOROUTINES_MODEL) if goroutines else ()
    loads = parse_offered_axis(offered) if offered is not None else ()
    if len(procs) > 1 or len(counts) > 1 or len(loads) > 1:
        return _grid(shards, threads, stores, procs, counts, loads)
    plan = _one_axis(shards, threads, stores, baseline)
    variants = plan.variants
    if loads:  # one load: every run's
        variants = [dataclasses.replace(v, offered=loads[0].text) for v in variants]
    return SweepPlan(plan.axis, plan.values, variants, plan.fixed_threads,
                     procs[0] if procs else None, counts[0] if counts else None)  # fmt: skip


def _grid(shards: str | None, threads: str | None, stores: str | None,
          procs: tuple[int, ...], counts: tuple[int, ...],
          loads: tuple[OfferedStep, ...] = ()) -> SweepPlan:  # fmt: skip
    """Every design at every (goroutines, GOMAXPROCS, offered load) cell (the model's
    capacity grid); at most two of the three vary, the two axes of the heat map."""
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
    lists: dict[str, tuple[float, ...]] = {
        "goroutines": counts, "offered": tuple(s.x for s in loads), "gomaxprocs": procs,
    }  # fmt: skip
    if sum(len(lists[a]) > 1 for a in GRID_AXES) > 2:
        raise ConfigError(
            "a grid has two axes (a heat map's rows and columns): give several values to two "
            "of --goroutines, --gomaxprocs and --offered, and one value to the third",
            source="--offered",
        )
    texts: tuple[str | None, ...] = tuple(s.text for s in loads) or (None,)
    variants = [
        Variant(d, n, t, None, p, o)
        for t, o, p in itertools.product(counts or (None,), texts, procs or (None,))
        for d, n in stores_at
    ]
    lists["shards"] = shard_values
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
    x: float
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
    unit: str = ""  # the offered axis: "x" (factors) or "ops/s"


def chart_data(report: ComparisonReport, axis: str) -> SweepChart:
    lines: dict[str, list[Point]] = {}
    baseline: Series | None = None
    units: set[str] = set()
    for row in report.rows:
        s, v = row.summary, row.summary.variant
        if axis == "shards" and v.store != "sharded":
            baseline = Series(v.design, (Point(0, s.throughput, s.blocked),))
            continue
        x: float
        if axis == "gomaxprocs":
            x = v.gomaxprocs or 0
        elif axis == "offered":
            step = parse_step(v.offered or "1x")
            x = step.x
            units.add(step.unit)
        else:
            x = v.shards if axis == "shards" and v.shards else s.threads
        name = "sharded" if axis == "shards" else v.design
        lines.setdefault(name, []).append(Point(x, s.throughput, s.blocked))
    series = tuple(Series(n, tuple(sorted(p, key=lambda q: q.x))) for n, p in lines.items())
    return SweepChart(axis, series, baseline, next(iter(units), ""))


def axis_value(axis: str, row_variant: Variant, threads: int) -> float:
    """Where a grid row sits on one of the heat map's axes."""
    if axis == "goroutines":
        return row_variant.threads or threads
    if axis == "gomaxprocs":
        return row_variant.gomaxprocs or 0
    return parse_step(row_variant.offered).x if row_variant.offered else 1.0


@dataclass(frozen=True)
class GridChart:
    """What a grid's heat map draws: per design, median throughput at (row, column), the
    two axes that vary of goroutines, offered load and GOMAXPROCS (in that order)."""

    row_axis: str
    rows: tuple[float, ...]
    column_axis: str
    columns: tuple[float, ...]
    designs: tuple[str, ...]
    throughput: dict[tuple[str, float, float], float]  # (design, row, column) -> median ops/s
    labels: dict[tuple[str, float], str]  # (axis, value) -> tick label ("0.5x", "2,000")

    @property
    def goroutines(self) -> tuple[float, ...]:
        return self._values("goroutines")

    @property
    def gomaxprocs(self) -> tuple[float, ...]:
        return self._values("gomaxprocs")

    def _values(self, axis: str) -> tuple[float, ...]:
        if axis == self.row_axis:
            return self.rows
        return self.columns if axis == self.column_axis else ()


def grid_data(report: ComparisonReport) -> GridChart:
    seen: dict[str, set[float]] = {a: set() for a in GRID_AXES}
    labels: dict[tuple[str, float], str] = {}
    for row in report.rows:
        s, v = row.summary, row.summary.variant
        for a in GRID_AXES:
            value = axis_value(a, v, s.threads)
            seen[a].add(value)
            labels[(a, value)] = (v.offered or "1x") if a == "offered" else f"{value:,.0f}"
    varied = [a for a in GRID_AXES if len(seen[a]) > 1]  # plan_sweep allows at most two
    if len(varied) >= 2:
        row_axis, column_axis = varied[0], varied[1]
    else:  # one or none varies (a shards grid): goroutines (or the load) down, Ps across
        row_axis, column_axis = ("offered" if varied == ["offered"] else "goroutines"), "gomaxprocs"
    cells: dict[tuple[str, float, float], float] = {}
    for row in report.rows:
        s, v = row.summary, row.summary.variant
        key = (v.design, axis_value(row_axis, v, s.threads), axis_value(column_axis, v, s.threads))
        cells[key] = s.throughput.median
    return GridChart(
        row_axis,
        tuple(sorted(seen[row_axis])),
        column_axis,
        tuple(sorted(seen[column_axis])),
        tuple(dict.fromkeys(d for d, _, _ in cells)),
        cells,
        labels,
    )
