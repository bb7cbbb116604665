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


def write_plot(chart: SweepChart, path: Path, title: str = "") -> Path:
    """Draw ``chart`` to ``path`` (.png or .svg); IntegrationError without matplotlib."""
    plt = _pyplot(path)
    from matplotlib.ticker import FuncFormatter

    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(8, 6.5))
    try:
        for series in chart.series:
            _draw(top, series, "throughput")
            _draw(bottom, series, "blocked")
        if chart.baseline is not None:
            _baseline(top, chart.baseline, "throughput")
            _baseline(bottom, chart.baseline, "blocked")
        top.set_ylabel("throughput, ops/s")
        bottom.set_ylabel("blocked share, %")
        powers_of_two = chart.axis in ("shards", "gomaxprocs")
        bottom.set_xlabel({"gomaxprocs": "GOMAXPROCS"}.get(chart.axis, chart.axis))
        xs = [p.x for s in chart.series for p in s.points]
        if xs and min(xs) > 0 and max(xs) / min(xs) >= 8:
            bottom.set_xscale("log", base=2 if powers_of_two else 10)
            if powers_of_two:
                bottom.set_xticks(sorted(set(xs)), [str(x) for x in sorted(set(xs))])
        for ax in (top, bottom):
            ax.grid(True, alpha=0.3)
        top.legend(loc="upper left", fontsize="small")
        bottom.legend(loc="lower left", fontsize="small")  # shares sit near 100% when loaded
        top.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        top.set_ylim(bottom=0)
        bottom.set_ylim(0, 100)
        top.set_title(title or f"lsim sweep --{chart.axis}: median, band = min-max of repeats")
        return _save(plt, fig, path)
    finally:
        plt.close(fig)


def write_heatmap(grid: GridChart, path: Path, title: str = "") -> Path:
    """A grid sweep: one heat map per design, goroutines down, GOMAXPROCS across, the
    colour the median throughput (one scale for all designs, so panels compare)."""
    plt = _pyplot(path)
    n = max(1, len(grid.designs))
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n + 1.5, 3.2), squeeze=False)
    try:
        top = max(grid.throughput.values(), default=1.0) or 1.0
        image = None
        for ax, design in zip(axes[0], grid.designs, strict=False):
            data = [
                [grid.throughput.get((design, g, p), float("nan")) for p in grid.gomaxprocs]
                for g in grid.goroutines
            ]
            image = ax.imshow(data, vmin=0, vmax=top, cmap="viridis", aspect="auto")
            ax.set_title(design, fontsize="small")
            ax.set_xticks(range(len(grid.gomaxprocs)), [str(p) for p in grid.gomaxprocs])
            ax.set_yticks(range(len(grid.goroutines)), [f"{g:,}" for g in grid.goroutines])
            ax.set_xlabel("GOMAXPROCS")
            for i, row in enumerate(data):
                for j, value in enumerate(row):
                    if value == value:  # not NaN: the cell was measured
                        ink = "black" if value > 0.6 * top else "white"  # readable on both
                        ax.text(j, i, f"{value:,.0f}", ha="center", va="center",
                                fontsize="x-small", color=ink)  # fmt: skip
        axes[0][0].set_ylabel("goroutines")
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


def _values(series: Series, what: str) -> tuple[list[int], list[float], list[float], list[float]]:
    scale = 100.0 if what == "blocked" else 1.0
    xs = [p.x for p in series.points]
    spreads = [p.blocked if what == "blocked" else p.throughput for p in series.points]
    return (
        xs,
        [s.median * scale for s in spreads],
        [s.low * scale for s in spreads],
        [s.high * scale for s in spreads],
    )


def _draw(ax: Any, series: Series, what: str) -> None:
    xs, mid, low, high = _values(series, what)
    (line,) = ax.plot(xs, mid, marker="o", label=series.name)
    ax.fill_between(xs, low, high, color=line.get_color(), alpha=0.2, linewidth=0)


def _baseline(ax: Any, series: Series, what: str) -> None:
    _, mid, low, high = _values(series, what)
    ax.axhline(mid[0], color="grey", linestyle="--", label=f"{series.name} (baseline)")
    ax.axhspan(low[0], high[0], color="grey", alpha=0.12, linewidth=0)
