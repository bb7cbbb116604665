"""Sweep plots: a PNG/SVG file through matplotlib (the optional ``lsim[plot]`` extra).

matplotlib is imported inside the functions: it is optional, and slow to import, so nothing
else pays for it. The figure has two panels sharing the axis: throughput (median line, the
min-max band of the repetitions) and blocked share, because the two tell different stories
(DESIGN.md §4: blocked share is oversubscription, throughput is speed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsim.compare.sweep import GridChart, Series, SweepChart
from lsim.errors import IntegrationError

PLOT_SUFFIXES = (".png", ".svg")
INSTALL_HINT = "install the plot extra: pip install 'lsim[plot]' (matplotlib)"


def plot_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def check_plot_path(path: Path) -> None:
    if path.suffix.lower() not in PLOT_SUFFIXES:
        from lsim.errors import ConfigError

        raise ConfigError(
            f"unknown plot type {path.suffix or '(none)'!r}; allowed: {', '.join(PLOT_SUFFIXES)}",
            source="--plot",
        )
    from lsim.atomicio import check_writable

    check_writable(path, "--plot")


def sweep_title(
    axis: str,
    workload: str,
    engine: str,
    repeat: int,
    threads: int | None = None,
    duration: str | None = None,
) -> str:
    """'lsim sweep --shards · default · threads engine, 1,000 threads, 5 s · n=5 per point'."""
    what = [f"{engine} engine"]
    if threads is not None and axis != "threads":
        what.append(f"{threads:,} threads")
    if duration:
        what.append(duration)
    return f"lsim sweep --{axis} · {workload} · {', '.join(what)} · n={repeat} per point"


def _informative(chart: SweepChart, what: str) -> bool:
    """A panel whose every value is 0 (nobody ever blocked) tells nothing: leave it out."""
    series = [*chart.series, *([chart.baseline] if chart.baseline else [])]
    return any(_values(s, what)[3] and max(_values(s, what)[3]) > 0 for s in series)


def write_plot(chart: SweepChart, path: Path, title: str = "") -> Path:
    """Draw ``chart`` to ``path`` (.png or .svg); IntegrationError without matplotlib."""
    plt = _pyplot(path)
    from matplotlib.ticker import FuncFormatter

    panels = [w for w in ("throughput", "blocked") if w == "throughput" or _informative(chart, w)]
    fig, axes = plt.subplots(
        len(panels), 1, sharex=True, figsize=(8, 3.5 + 3 * (len(panels) - 1)), squeeze=False
    )
    by_what = dict(zip(panels, [row[0] for row in axes], strict=True))
    try:
        for what, ax in by_what.items():
            for series in chart.series:
                _draw(ax, series, what)
            if chart.baseline is not None:
                _baseline(ax, chart.baseline, what)
            ax.grid(True, alpha=0.3)
        top, bottom = by_what["throughput"], axes[-1][0]
        top.set_ylabel("throughput, ops/s")
        top.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        top.set_ylim(bottom=0)
        # one legend: both panels draw the same lines and bands
        top.legend(loc="best", fontsize="small")
        if "blocked" in by_what:
            blocked = by_what["blocked"]
            blocked.set_ylabel("blocked share, %")
            blocked.set_ylim(0, 100)
        else:
            top.text(
                0.99, 0.02, "no thread was ever blocked: no blocked-share panel",
                transform=top.transAxes, ha="right", va="bottom", fontsize="small", color="grey",
            )  # fmt: skip
        powers_of_two = chart.axis in ("shards", "gomaxprocs")
        offered = f"offered load ({'x the workload' if chart.unit == 'x' else chart.unit})"
        names = {"gomaxprocs": "GOMAXPROCS", "offered": offered}
        bottom.set_xlabel(names.get(chart.axis, chart.axis))
        xs = [p.x for s in chart.series for p in s.points]
        if xs and min(xs) > 0 and max(xs) / min(xs) >= 8:
            bottom.set_xscale("log", base=2 if powers_of_two else 10)
            if powers_of_two:
                bottom.set_xticks(sorted(set(xs)), [str(x) for x in sorted(set(xs))])
        top.set_title(
            (title or f"lsim sweep --{chart.axis}") + "\nline: median; band: min-max of the runs",
            fontsize="medium",
        )
        return _save(plt, fig, path)
    finally:
        plt.close(fig)


AXIS_NAMES = {"goroutines": "goroutines", "gomaxprocs": "GOMAXPROCS", "offered": "offered load"}


def write_heatmap(grid: GridChart, path: Path, title: str = "") -> Path:
    """A grid sweep: one heat map per design, the grid's first axis down (goroutines or the
    offered load), its second across (the load or GOMAXPROCS), the colour the median
    throughput (one scale for all designs, so panels compare)."""
    plt = _pyplot(path)
    n = max(1, len(grid.designs))
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n + 1.5, 3.2), squeeze=False)
    try:
        top = max(grid.throughput.values(), default=1.0) or 1.0
        image = None
        row_ticks = [grid.labels.get((grid.row_axis, r), f"{r:g}") for r in grid.rows]
        column_ticks = [grid.labels.get((grid.column_axis, c), f"{c:g}") for c in grid.columns]
        for ax, design in zip(axes[0], grid.designs, strict=False):
            data = [
                [grid.throughput.get((design, r, c), float("nan")) for c in grid.columns]
                for r in grid.rows
            ]
            image = ax.imshow(data, vmin=0, vmax=top, cmap="viridis", aspect="auto")
            ax.set_title(design, fontsize="small")
            ax.set_xticks(range(len(grid.columns)), column_ticks)
            ax.set_yticks(range(len(grid.rows)), row_ticks)
            ax.set_xlabel(AXIS_NAMES.get(grid.column_axis, grid.column_axis))
            for i, row in enumerate(data):
                for j, value in enumerate(row):
                    if value == value:  # not NaN: the cell was measured
                        ink = "black" if value > 0.6 * top else "white"  # readable on both
                        ax.text(j, i, f"{value:,.0f}", ha="center", va="center",
                                fontsize="x-small", color=ink)  # fmt: skip
        axes[0][0].set_ylabel(AXIS_NAMES.get(grid.row_axis, grid.row_axis))
        if image is not None:
            fig.colorbar(image, ax=list(axes[0]), label="throughput, ops/s (median)")
        fig.suptitle(title or "lsim sweep grid", fontsize="medium")
        return _save(plt, fig, path, tight=False)
    finally:
        plt.close(fig)


def _pyplot(path: Path) -> Any:
    check_plot_path(path)
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: never open a window, works without a display
        import matplotlib.pyplot as plt
    except ImportError:
        raise IntegrationError(f"no plot: matplotlib is not installed; {INSTALL_HINT}") from None
    return plt


def _save(plt: Any, fig: Any, path: Path, tight: bool = True) -> Path:
    import io

    from lsim.atomicio import write_atomic

    if tight:
        fig.tight_layout()
    image = io.BytesIO()
    fig.savefig(image, dpi=120, format=path.suffix.lower().lstrip("."),
                bbox_inches=None if tight else "tight")  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, image.getvalue())  # whole or not at all


def _values(series: Series, what: str) -> tuple[list[float], list[float], list[float], list[float]]:
    scale = 100.0 if what == "blocked" else 1.0
    xs = [p.x for p in series.points]
    spreads = [p.blocked if what == "blocked" else p.throughput for p in series.points]
    return (
        xs,
        [s.median * scale for s in spreads],
        [s.low * scale for s in spreads],
        [s.high * scale for s in spreads],
    )


def _runs(series: Series) -> str:
    counts = sorted({p.throughput.n for p in series.points})
    n = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    return f"n={n}"


def _draw(ax: Any, series: Series, what: str) -> None:
    xs, mid, low, high = _values(series, what)
    (line,) = ax.plot(xs, mid, marker="o", label=f"{series.name}, median")
    ax.fill_between(
        xs, low, high, color=line.get_color(), alpha=0.2, linewidth=0,
        label=f"{series.name}, min-max ({_runs(series)})",
    )  # fmt: skip


def _baseline(ax: Any, series: Series, what: str) -> None:
    _, mid, low, high = _values(series, what)
    ax.axhline(mid[0], color="grey", linestyle="--", label=f"{series.name} (baseline), median")
    ax.axhspan(
        low[0], high[0], color="grey", alpha=0.12, linewidth=0,
        label=f"{series.name} (baseline), min-max ({_runs(series)})",
    )  # fmt: skip
