"""The offered load as a sweep axis (``lsim sweep --offered``), alone and in a grid."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lsim.cli.app import main
from lsim.compare.offered_axis import apply_step, check_steps, parse_offered_axis, parse_step
from lsim.compare.report import build_report
from lsim.compare.schedule import Variant
from lsim.compare.sweep import chart_data, grid_data, plan_sweep
from lsim.compare.termchart import terminal_chart
from lsim.errors import ConfigError
from lsim.workload.load import builtin_workload
from lsim.workload.model import PacingSpec, Workload
from lsim.workload.offered import OfferedLoad
from tests.compare.helpers import log_from

PACED = (
    "name: paced-mix\nseed: 3\nthreads: {count: 40}\nrun: {duration_s: 0.5, warmup_s: 0.1}\n"
    "series: {count: 200, prepopulated: 200}\ncomponents: 1\n"
    "ops: {mix: {GetOrAddGlobalRefID: 48, GetLocalRefID: 44, AddLocalLink: 8}}\n"
    "pacing: {rate_per_thread: 2000.0}\n"
)


def test_values_parse_in_the_pacing_offered_forms() -> None:
    assert [s.text for s in parse_offered_axis("0.5x, 0.8x,1x,1.2x")] == [
        "0.5x", "0.8x", "1x", "1.2x"
    ]  # fmt: skip
    assert [s.x for s in parse_offered_axis("0.5x,1.0x,1x")] == [0.5, 1.0]  # duplicates dropped
    absolute = parse_offered_axis("20000,40000 ops/s")
    assert [(s.x, s.unit) for s in absolute] == [(20000.0, "ops/s"), (40000.0, "ops/s")]
    relative = parse_step("1.5x mutex")
    assert relative.needs_calibration and relative.load == OfferedLoad(1.5, "mutex")
    for bad, words in [
        ("", "no value"),
        ("0x", "> 0"),
        ("fast", "'<factor>x' for a multiple"),
        ("1x,2000", "one unit"),
        ("1x mutex,1x sharded-8", "one unit"),
    ]:
        with pytest.raises(ConfigError, match=words) as error:
            parse_offered_axis(bad)
        assert error.value.source == "--offered"


def _rated(rate: float) -> Workload:
    """The built-in workload paced by a rate per thread alone (no pacing.offered)."""
    return dataclasses.replace(builtin_workload(), pacing=PacingSpec(rate_per_thread=rate))


@given(st.floats(min_value=0.01, max_value=100.0))
def test_a_factor_scales_the_workloads_own_rate(factor: float) -> None:
    w = _rated(0.5)
    step = parse_step(f"{factor!r}x")
    scaled = apply_step(w, step)
    assert scaled.pacing.rate_per_thread == pytest.approx(w.pacing.rate_per_thread * factor)
    assert scaled.pacing.offered is None and scaled.threads == w.threads


def test_a_factor_scales_a_stated_offered_load_and_its_fallback_rate() -> None:
    w = _rated(0.5)
    stated = dataclasses.replace(
        w, pacing=dataclasses.replace(w.pacing, offered=OfferedLoad(1.6, "mutex"))
    )
    scaled = apply_step(stated, parse_step("0.5x"))
    assert scaled.pacing.offered == OfferedLoad(0.8, "mutex")
    assert scaled.pacing.rate_per_thread == pytest.approx(w.pacing.rate_per_thread / 2)
    absolute = apply_step(w, parse_step("41000"))
    assert absolute.pacing.offered == OfferedLoad(ops_per_s=41000.0)


def test_loads_that_cannot_run_are_refused_naming_the_flag() -> None:
    closed = dataclasses.replace(builtin_workload(), pacing=PacingSpec())
    with pytest.raises(ConfigError, match="closed loop.*calls per second"):
        apply_step(closed, parse_step("2x"))
    assert apply_step(closed, parse_step("5000")).pacing.offered == OfferedLoad(ops_per_s=5000.0)
    steps = parse_offered_axis("0.5x mutex,1x mutex")
    with pytest.raises(ConfigError, match="--engine model"):
        check_steps(steps, "model", True)
    with pytest.raises(ConfigError, match="--no-calibrate"):
        check_steps(steps, "threads", False)
    check_steps(steps, "threads", True)
    check_steps(parse_offered_axis("0.5x,1x"), "model", False)


def test_offered_is_an_axis_and_a_grid_axis() -> None:
    plan = plan_sweep("8", None, "mutex,sharded", offered="0.5x,1x,2x")
    assert plan.axis == "offered" and plan.values == (0.5, 1.0, 2.0)
    assert plan.variants[:2] == [
        Variant("mutex", None, None, None, None, "0.5x"),
        Variant("sharded", 8, None, None, None, "0.5x"),
    ]
    grid = plan_sweep(None, None, "mutex", gomaxprocs="2,4", offered="1x,2x")
    assert grid.axis == "grid" and len(grid.variants) == 4
    assert {(v.offered, v.gomaxprocs) for v in grid.variants} == {
        ("1x", 2), ("1x", 4), ("2x", 2), ("2x", 4)
    }  # fmt: skip
    one = plan_sweep("2,4", None, None, offered="1.5x")  # one value: every run's load
    assert one.axis == "shards" and {v.offered for v in one.variants} == {"1.5x"}
    with pytest.raises(ConfigError, match="two axes"):
        plan_sweep(None, None, None, gomaxprocs="2,4", goroutines="10,20", offered="1x,2x")


def test_offered_rows_compare_within_their_load_and_chart_along_it(tmp_path: Path) -> None:
    variants = [Variant(d, n, None, None, p, o) for o in ("0.5x", "2x") for p in (2, 4)
                for d, n in (("mutex", None), ("sharded", 4))]  # fmt: skip
    numbers: dict[str, Sequence[float]] = {
        v.label: [1000.0 * (v.gomaxprocs or 1) * (3 if v.shards else 1) * float(v.offered[:-1])]
        for v in variants
        if v.offered
    }
    report = build_report("sweep", log_from(variants, numbers), workload="wl", seed=1,
                          engine="model", repeat=1, axis="grid")  # fmt: skip
    refs = {r.summary.variant.label: r.reference for r in report.rows}
    assert refs["sharded-4 P=4 load=2x"] == "mutex P=4 load=2x"
    assert any(g.title and "offered 2x" in g.title for g in report.groups)
    grid = grid_data(report)
    assert (grid.row_axis, grid.rows, grid.column_axis, grid.columns) == (
        "offered", (0.5, 2.0), "gomaxprocs", (2, 4)
    )  # fmt: skip
    assert grid.throughput[("sharded-4", 2.0, 4)] == 24000.0
    assert grid.labels[("offered", 0.5)] == "0.5x"
    line = [v for v in variants if v.gomaxprocs == 2]
    report = build_report("sweep", log_from(line, numbers), workload="wl", seed=1,
                          engine="model", repeat=1, axis="offered")  # fmt: skip
    chart = chart_data(report, "offered")
    assert chart.unit == "x"
    assert {s.name: [p.x for p in s.points] for s in chart.series} == {
        "mutex": [0.5, 2.0], "sharded-4": [0.5, 2.0]
    }  # fmt: skip
    assert "mutex @2x" in terminal_chart(chart)
    pytest.importorskip("matplotlib")
    from lsim.compare.plot import write_heatmap, write_plot

    assert write_heatmap(grid, tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    assert write_plot(chart, tmp_path / "l.png").read_bytes().startswith(b"\x89PNG")


def test_sweep_cli_offered_runs_each_load_and_writes_csv_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "paced.yaml"
    path.write_text(PACED)
    base = ["sweep", "--engine", "model", "--workload", str(path), "--stores", "mutex",
            "--offered", "0.5x,1x,2x", "--gomaxprocs", "2", "--repeat", "1",
            "--sim-time", "5ms", "--no-plot", "-q"]  # fmt: skip
    with pytest.raises(SystemExit) as exited:
        main([*base, "-f", "csv", "--profiles-dir", str(tmp_path / "csv")])
    out, err = capsys.readouterr()
    assert exited.value.code in (0, None), err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["offered"] for r in rows] == ["0.5x", "1x", "2x"]
    ops = [float(r["ops_per_s_median"]) for r in rows]
    # below saturation the throughput is the offered load: each doubling about doubles it
    assert ops[0] > 0 and 1.6 < ops[1] / ops[0] < 2.4 and 1.6 < ops[2] / ops[1] < 2.4
    with pytest.raises(SystemExit) as exited:
        main([*base, "-f", "json", "--profiles-dir", str(tmp_path / "json")])
    out, err = capsys.readouterr()
    assert exited.value.code in (0, None), err
    data = json.loads(out)
    offered = [r["offered"] for g in data["groups"] for r in g["rows"]]
    assert offered == ["0.5x", "1x", "2x"]
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    from lsim.schema import schema_for

    Draft202012Validator(schema_for("compare_report")).validate(data)


def test_sweep_help_shows_an_offered_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    out = capsys.readouterr().out
    assert "--offered" in out and "0.5x,0.8x,1x,1.2x" in out
