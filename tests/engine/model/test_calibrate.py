"""``lsim calibrate``'s parts: the runtime figures -> costs, the per-call fit, the costs file,
and where a costs file can be named (``--costs``, ``model.costs: FILE``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lsim.cli.app import main
from lsim.engine.model.calibrate import (
    FITTED,
    Calibration,
    fit,
    fit_calls,
    model_ns,
    write_costs_file,
)
from lsim.engine.model.machine import fit_map_misses, runtime_costs
from lsim.errors import ConfigError
from lsim.workload.costs import COST_DEFAULTS, load_costs_file
from lsim.workload.load import load_workload


def test_fit_solves_exact_rows_and_clamps_negative_unknowns_at_zero() -> None:
    truth = [37.0, 23.0, 61.0]
    rows = [(k, sum(a * b for a, b in zip(k, truth, strict=True)))
            for k in ([1, 1, 0], [1, 2, 0], [0, 1, 2], [2, 1, 1])]  # fmt: skip
    assert fit(rows, 3) == pytest.approx(truth)
    # the exact solution is (10, 10, -5): the third is clamped at 0 and the rest refit
    rows = [([1.0, 0.0, 1.0], 5.0), ([0.0, 1.0, 1.0], 5.0), ([1.0, 1.0, 1.0], 15.0)]
    x = fit(rows, 3)
    assert x[2] == 0.0 and x[0] == pytest.approx(x[1]) and x[0] > 5.0


@pytest.mark.slow  # ~70 model runs: about a minute
@pytest.mark.timeout(600)
def test_fit_calls_recovers_the_costs_that_produced_the_measurements() -> None:
    """Per-call times made by the model itself with known costs are fitted back to them: the
    coefficients read off the model and the least squares agree with each other."""
    # no far map accesses in the truth either: fit_calls fits per-call constants without them
    base = {**COST_DEFAULTS, "scrape_parse_ns": 0.0, "wal_append_ns": 0.0, "map_miss_ns": 0.0}
    truth = {**base, "hash_ns": 37.0, "map_hit_ns": 23.0, "map_insert_ns": 61.0,
             "lock_uncontended_ns": 14.0, "call_ns": 85.0}  # fmt: skip
    fitted, cells = fit_calls(lambda w, d: model_ns(w, d, truth), base,
                              designs=("mutex", "sharded", "lockfree"), series=100)  # fmt: skip
    for name in FITTED:
        assert fitted[name] == pytest.approx(truth[name], abs=3.0), name
    cell = cells["mutex/GetLocalRefID"]
    assert cell["coefficients"]["map_hit_ns"] == pytest.approx(2.0, abs=0.01)  # type: ignore[index]
    assert cell["model_ns"] == pytest.approx(cell["measured_ns"], rel=0.02)


def figures() -> dict[str, object]:
    def fig(v: float) -> dict[str, float]:
        return {"min": v, "median": v * 1.1, "p10": v, "p90": v * 1.5, "n": 7}

    return {
        "go_version": "go1.19.8", "num_cpu": 2, "goarch": "amd64", "pause_exact": True,
        "figures": {
            "spin_ns": fig(700), "lock_ns": fig(10), "switch_ns": fig(95), "map_hit_ns": fig(21),
            "map_insert_ns": fig(19), "spawn_ns": fig(110), "spawn_whole_ns": fig(280),
            "steal_backoff_ns": fig(80_000), "line_transfer_ns": fig(45),
            "send_parked_p1_ns": fig(60), "send_parked_idle_p_ns": fig(7_000),
            "wakep_ns": fig(20_000),
        },
    }  # fmt: skip


def test_runtime_figures_become_costs_with_their_sources() -> None:
    m = runtime_costs(figures())  # type: ignore[arg-type]
    c = m.costs
    assert c["spin_ns"] == 700 and c["park_unpark_ns"] == 95
    # one transfer: the p10 of the rounds (each a difference of two walks); a failed CAS
    # round costs one
    assert c["line_transfer_ns"] == 45 == c["cas_retry_ns"]
    assert c["futex_wake_ns"] == pytest.approx(7_000 * 1.1 - 60 * 1.1)  # p50s, difference
    assert c["steal_backoff_ns"] == pytest.approx(88_000)  # usleep(3): its p50
    assert c["exit_ns"] == 280 - 110 - 95
    assert set(c) <= set(COST_DEFAULTS)
    assert all("go1.19.8" in m.sources[k] for k in c)


def curve(miss: float, cached: float, base: float = 10.0) -> list[tuple[int, float]]:
    return [(n, base + miss * max(0.0, 1.0 - cached / n)) for n in (2**k for k in range(10, 23))]


@pytest.mark.parametrize(("miss", "cached"), [(176.0, 98_000.0), (90.0, 2_000.0)])
def test_the_map_chain_fit_recovers_the_caches_reach(miss: float, cached: float) -> None:
    got_miss, got_cached = fit_map_misses(curve(miss, cached))
    assert got_miss == pytest.approx(miss, rel=0.05)
    assert got_cached == pytest.approx(cached, rel=0.05)  # the grid: 1/16 octave


def test_a_flat_map_chain_means_no_miss_cost() -> None:
    assert fit_map_misses([(1024, 10.0), (4096, 10.0), (65536, 9.5)]) == (0.0, 65536.0)


def test_the_map_chain_becomes_the_miss_costs() -> None:
    raw = figures()
    raw["map_chain"] = [{"entries": n, "ns": {"min": t, "median": t, "p10": t, "p90": t, "n": 5}}
                        for n, t in curve(176.0, 98_000.0)]  # fmt: skip
    m = runtime_costs(raw)  # type: ignore[arg-type]
    assert m.costs["map_miss_ns"] == pytest.approx(176.0, rel=0.05)
    assert m.costs["map_cached_entries"] == pytest.approx(98_000.0, rel=0.05)
    assert "4,194,304 entries" in m.sources["map_cached_entries"]
    assert "map_miss_ns" not in runtime_costs(figures()).costs  # type: ignore[arg-type]


def test_no_line_figure_when_no_round_ran_on_two_cores() -> None:
    raw = figures()
    raw["figures"]["line_transfer_ns"] = {"min": 0, "median": 0, "p10": 0, "p90": 0, "n": 0}  # type: ignore[index]
    c = runtime_costs(raw).costs  # type: ignore[arg-type]
    assert "line_transfer_ns" not in c and "cas_retry_ns" not in c
    assert c["futex_wake_ns"] > 0  # the wake-up figures do not depend on it


def test_costs_file_round_trip_and_errors(tmp_path: Path) -> None:
    costs = {**COST_DEFAULTS, "spin_ns": 650.0}
    cal = Calibration(costs, {"spin_ns": "measured"}, {}, {"go_version": "go1.19.8"})
    path = tmp_path / "costs.yaml"
    write_costs_file(cal, path)
    assert load_costs_file(path) == costs
    bad = tmp_path / "bad.yaml"
    bad.write_text("costs: {spin_nsec: 3}\n")
    with pytest.raises(ConfigError, match=r"costs\.spin_nsec: unknown cost"):
        load_costs_file(bad)
    bad.write_text("costs: {spin_ns: -3}\n")
    with pytest.raises(ConfigError, match=">= 0"):
        load_costs_file(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_costs_file(tmp_path / "missing.yaml")


def test_a_workload_names_a_costs_file_beside_it(tmp_path: Path) -> None:
    (tmp_path / "here.yaml").write_text(
        "kind: lsim-costs\ncosts: {spin_ns: 321, futex_wake_ns: 0}\n"
    )
    (tmp_path / "w.yaml").write_text("threads: {count: 4}\nmodel: {costs: here.yaml}\n")
    w = load_workload(tmp_path / "w.yaml")
    assert w.model.costs["spin_ns"] == 321 and w.model.costs["futex_wake_ns"] == 0
    assert w.model.costs["hash_ns"] == COST_DEFAULTS["hash_ns"]


@pytest.mark.timeout(120)
def test_costs_flag_overrides_the_model_costs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("costs: {spin_ns: 333}\n")
    args = ["run", "--engine", "model", "--goroutines", "20", "--gomaxprocs", "2",
            "--sim-time", "2ms", "--costs", str(path), "-f", "json"]  # fmt: skip
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, _ = capsys.readouterr()
    assert exited.value.code in (0, None)
    report = json.loads(out)
    assert "--costs" in report["command"]
    with pytest.raises(SystemExit) as exited:
        main(["run", "--costs", str(path), "--threads", "2"])
    _, err = capsys.readouterr()
    assert exited.value.code == 2 and "--costs" in err and "model" in err


@pytest.mark.skipif(shutil.which("go") is None, reason="needs the Go toolchain")
@pytest.mark.timeout(300)
def test_the_calibration_program_measures_every_figure() -> None:
    from lsim.engine.model.machine import run_program

    raw = run_program(quick=True)
    m = runtime_costs(raw)
    for name in ("spin_ns", "lock_uncontended_ns", "park_unpark_ns", "map_hit_ns", "spawn_ns",
                 "steal_backoff_ns"):  # fmt: skip
        assert m.costs[name] > 0, name
    assert m.costs["steal_backoff_ns"] >= 3_000  # usleep(3) cannot be shorter than 3 us
    sizes = [p["entries"] for p in raw["map_chain"]]
    assert sizes == sorted(sizes) and sizes[0] == 1024 and len(sizes) >= 3
    ring = [p["goroutines"] for p in raw["switch_ring"]]
    assert ring == sorted(ring) and ring[0] == 2 and len(ring) >= 4
    assert all(p["ns"]["min"] > 0 for p in raw["switch_ring"])


def test_calibrate_says_when_other_processes_were_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The figures are times, so the command says when the machine was busy (and the file
    keeps how busy), instead of printing slow figures as this machine's."""
    import lsim.engine.model.calibrate as calibration

    def fake(foreign: float) -> Calibration:
        return Calibration({"spin_ns": 700.0, "map_cached_entries": 5_000.0},
                           {"spin_ns": "procyield(30)"},
                           {"mutex/AddLocalLink": {"measured_ns": 100.0, "model_ns": 90.0}},
                           {"go_version": "go1.19.8", "foreign_cores": foreign})  # fmt: skip

    out = tmp_path / "costs.yaml"
    for foreign, busy in ((1.3, True), (0.02, False)):
        monkeypatch.setattr(calibration, "calibrate", lambda **kw: fake(foreign))  # noqa: B023
        with pytest.raises(SystemExit) as exited:
            main(["calibrate", "--out", str(out)])
        assert exited.value.code == 0
        printed, err = capsys.readouterr()
        assert ("1.30 cores busy" in err) is busy and "wrote" in err
        assert "map_cached_entries" in printed and "5,000.0 ns" not in printed  # a size
        assert load_costs_file(out)["spin_ns"] == 700.0
        assert f"foreign_cores: {foreign}" in out.read_text()
