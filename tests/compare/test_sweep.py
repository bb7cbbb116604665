from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lsim.compare.report import ComparisonReport, build_report
from lsim.compare.schedule import Variant
from lsim.compare.sweep import SweepChart, chart_data, plan_sweep
from lsim.compare.termchart import bar, terminal_chart
from lsim.errors import ConfigError, IntegrationError
from tests.compare.helpers import log_from


def test_default_sweep_is_shards_with_a_mutex_baseline() -> None:
    plan = plan_sweep(None, None, None)
    assert plan.axis == "shards" and plan.values == (1, 2, 4, 8, 16, 32, 64, 128, 256)
    assert plan.variants[0] == Variant("mutex") and plan.variants[-1] == Variant("sharded", 256)
    assert Variant("mutex") not in plan_sweep("2,4", None, None, baseline=False).variants


def test_threads_axis() -> None:
    plan = plan_sweep("16", "100,1000", None)
    assert plan.axis == "threads"
    assert plan.variants == [
        Variant("mutex", None, 100),
        Variant("sharded", 16, 100),
        Variant("mutex", None, 1000),
        Variant("sharded", 16, 1000),
    ]
    fixed = plan_sweep("2,4", "50", None)
    assert fixed.axis == "shards" and fixed.fixed_threads == 50


def test_axis_errors() -> None:
    with pytest.raises(ConfigError, match="one axis at a time"):
        plan_sweep("1,2", "10,20", None)
    with pytest.raises(ConfigError, match="--stores"):
        plan_sweep("1,2", None, "mutex")
    with pytest.raises(ConfigError, match="--shards"):
        plan_sweep("300", None, None)


def _chart() -> tuple[ComparisonReport, SweepChart]:
    variants = [Variant("mutex"), Variant("sharded", 2), Variant("sharded", 8)]
    log = log_from(
        variants, {"mutex": [900, 1000], "sharded-2": [1500, 1600], "sharded-8": [2400, 2600]}
    )
    report = build_report(
        "sweep", log, workload="wl", seed=1, engine="threads", repeat=2, axis="shards"
    )
    return report, chart_data(report, "shards")


def test_chart_data_follows_the_axis() -> None:
    _, chart = _chart()
    assert chart.baseline is not None and chart.baseline.name == "mutex"
    (series,) = chart.series
    assert [p.x for p in series.points] == [2, 8]
    assert series.points[1].throughput.median == 2500


def test_terminal_chart() -> None:
    assert bar(1.0, 1.0, 4) == "████" and bar(0.5, 1.0, 3) == "█▌ " and bar(0, 1, 2) == "  "
    _, chart = _chart()
    text = terminal_chart(chart)
    assert "mutex (baseline)" in text and "8 shards" in text and "2,500 (2,400-2,600)" in text


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_file(tmp_path: Path, suffix: str) -> None:
    pytest.importorskip("matplotlib")
    from lsim.compare.plot import write_plot

    _, chart = _chart()
    path = write_plot(chart, tmp_path / f"sweep{suffix}")
    head = path.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in path.read_bytes()
    assert head


def test_plot_without_matplotlib_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from lsim.compare.plot import plot_available, write_plot

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    assert not plot_available()
    _, chart = _chart()
    with pytest.raises(IntegrationError, match=r"lsim\[plot\]"):
        write_plot(chart, tmp_path / "x.png")


def test_plot_suffix_is_checked(tmp_path: Path) -> None:
    from lsim.compare.plot import check_plot_path

    with pytest.raises(ConfigError, match=".png, .svg"):
        check_plot_path(tmp_path / "x.pdf")


def test_gomaxprocs_and_goroutines_lists_make_a_grid() -> None:
    plan = plan_sweep("8", None, "mutex,sharded", gomaxprocs="2,4", goroutines="100,1000")
    assert plan.axis == "grid" and len(plan.variants) == 8
    assert plan.variants[:2] == [Variant("mutex", None, 100, None, 2),
                                 Variant("sharded", 8, 100, None, 2)]  # fmt: skip
    assert {(v.threads, v.gomaxprocs) for v in plan.variants} == {
        (100, 2), (100, 4), (1000, 2), (1000, 4)
    }  # fmt: skip
    one = plan_sweep(None, None, None, gomaxprocs="1,2,...,8")
    assert one.axis == "gomaxprocs" and one.values == (1, 2, 4, 8)
    assert [v.gomaxprocs for v in one.variants] == [1, 1, 2, 2, 4, 4, 8, 8]
    fixed = plan_sweep("2,4", None, None, gomaxprocs="8", goroutines="500")
    assert fixed.axis == "shards" and (fixed.fixed_gomaxprocs, fixed.fixed_goroutines) == (8, 500)


def test_grid_errors_name_the_flag() -> None:
    with pytest.raises(ConfigError, match="not both"):
        plan_sweep(None, "10,20", None, gomaxprocs="2,4", goroutines="10,20")
    with pytest.raises(ConfigError, match="--gomaxprocs"):
        plan_sweep(None, None, None, gomaxprocs="0,2")
    with pytest.raises(ConfigError, match="--shards"):
        plan_sweep("2,4", None, "mutex", gomaxprocs="2,4")


def test_grid_rows_compare_with_their_own_cell_and_draw_a_heat_map(tmp_path: Path) -> None:
    from lsim.compare.sweep import grid_data

    variants = [Variant(d, n, t, None, p) for t in (10, 20) for p in (2, 4)
                for d, n in (("mutex", None), ("sharded", 4))]  # fmt: skip
    numbers = {v.label: [1000.0 * (v.gomaxprocs or 1) * (2 if v.shards else 1)] for v in variants}
    log = log_from(variants, numbers)
    report = build_report("sweep", log, workload="wl", seed=1, engine="model", repeat=1,
                          axis="grid")  # fmt: skip
    refs = {r.summary.variant.label: r.reference for r in report.rows}
    assert refs["sharded-4 @20 P=4"] == "mutex @20 P=4"
    grid = grid_data(report)
    assert grid.goroutines == (10, 20) and grid.gomaxprocs == (2, 4)
    assert grid.throughput[("sharded-4", 20, 4)] == 8000.0
    pytest.importorskip("matplotlib")
    from lsim.compare.plot import write_heatmap

    path = write_heatmap(grid, tmp_path / "grid.png")
    assert path.read_bytes().startswith(b"\x89PNG")


def test_plot_names_its_bands_and_the_run_in_the_title(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    from lsim.compare.plot import sweep_title, write_plot

    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in the SVG
    report, chart = _chart()
    title = sweep_title("shards", "wl", "threads", 2, 1000, "5 s")
    assert title == "lsim sweep --shards · wl · threads engine, 1,000 threads, 5 s · n=2 per point"
    path = write_plot(chart, tmp_path / "s.svg", title=title)
    text = path.read_text(encoding="utf-8")
    for words in (
        "sharded, min-max (n=2)",
        "mutex (baseline), min-max (n=2)",
        "sharded, median",
        "n=2 per point",
        "band: min-max of the runs",
    ):
        assert words in text, words


def test_a_panel_without_information_is_left_out(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    import dataclasses

    import matplotlib

    from lsim.compare.aggregate import Spread
    from lsim.compare.plot import write_plot
    from lsim.compare.sweep import Series

    matplotlib.rcParams["svg.fonttype"] = "none"
    _, chart = _chart()
    zero = Spread.of([0.0, 0.0])

    def unblocked(series: Series) -> Series:
        points = tuple(dataclasses.replace(p, blocked=zero) for p in series.points)
        return dataclasses.replace(series, points=points)

    assert chart.baseline is not None
    quiet = dataclasses.replace(
        chart, series=tuple(unblocked(s) for s in chart.series), baseline=unblocked(chart.baseline)
    )
    text = write_plot(quiet, tmp_path / "q.svg").read_text(encoding="utf-8")
    assert "blocked share, %" not in text and "no thread was ever blocked" in text
    full = write_plot(chart, tmp_path / "f.svg").read_text(encoding="utf-8")
    assert "blocked share, %" in full  # the fixture's threads do block
