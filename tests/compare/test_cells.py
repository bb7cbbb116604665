"""Cells side by side (``--jobs``, ``--executor dask``): the same log and the same results as
one at a time, and flag errors before anything runs."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from lsim.cli.app import main
from lsim.cli.execute import prepare
from lsim.compare.cells import resolve_jobs, run_cells
from lsim.compare.runner import run_plan
from lsim.compare.schedule import Variant, interleave
from lsim.engine.run import run_experiment
from lsim.engine.spec import Experiment
from lsim.errors import ConfigError
from tests.engine.model.golden import differences, fingerprint

MIX = (
    "name: tiny-mix\nseed: 3\nthreads: {count: 60}\nrun: {duration_s: 0.5, warmup_s: 0.1}\n"
    "series: {count: 500, prepopulated: 500}\ncomponents: 1\n"
    "ops: {mix: {GetOrAddGlobalRefID: 48, GetLocalRefID: 44, AddLocalLink: 8}}\n"
    "model: {costs: {exponential_service: 1.0}}\n"
)
VARIANTS = [Variant("mutex"), Variant("rwmutex"), Variant("sharded", 4)]


@pytest.fixture
def cells(tmp_path: Path) -> tuple[list[Any], dict[Variant, Experiment]]:
    path = tmp_path / "mix.yaml"
    path.write_text(MIX)
    experiments = {
        v: prepare(
            "profile", path, v.store, v.shards, None, None, None, 100.0, "model", 2, None, "2ms"
        )  # fmt: skip
        for v in VARIANTS
    }
    return interleave(VARIANTS, 2), experiments


def _same_log(a: Any, b: Any) -> None:
    assert [f.slot for f in a.finished] == [f.slot for f in b.finished]
    assert [f.path.name for f in a.finished] == [f.path.name for f in b.finished]
    for x, y in zip(a.finished, b.finished, strict=True):
        diff = differences(fingerprint(x.profile.to_dict()), fingerprint(y.profile.to_dict()))
        assert not diff, diff[:5]


def test_an_experiment_survives_pickle(cells: tuple[list[Any], dict[Variant, Experiment]]) -> None:
    _, experiments = cells
    e = experiments[VARIANTS[0]]
    back = pickle.loads(pickle.dumps(e))
    assert back == e
    assert dict(back.workload.model.costs) == dict(e.workload.model.costs)


def test_two_jobs_give_the_log_of_one_at_a_time(
    cells: tuple[list[Any], dict[Variant, Experiment]], tmp_path: Path
) -> None:
    plan, experiments = cells
    seen: list[int] = []
    serial = run_plan(plan, lambda s: run_experiment(experiments[s.variant]), tmp_path / "a")
    parallel = run_cells(plan, experiments, jobs=2, save_dir=tmp_path / "b",
                         on_done=lambda s: seen.append(s.index))  # fmt: skip
    _same_log(serial, parallel)
    assert sorted(seen) == [s.index for s in plan]  # progress: every cell once
    assert not parallel.interrupted and parallel.failure is None


def test_dask_local_cluster_gives_the_same_results(
    cells: tuple[list[Any], dict[Variant, Experiment]], tmp_path: Path
) -> None:
    pytest.importorskip("dask.distributed", reason="the dask extra is not installed")
    plan, experiments = cells
    serial = run_plan(plan, lambda s: run_experiment(experiments[s.variant]), tmp_path / "a")
    on_dask = run_cells(plan, experiments, jobs=2, executor="dask", save_dir=tmp_path / "b")
    _same_log(serial, on_dask)


@pytest.mark.parametrize(
    ("jobs", "engines", "executor", "scheduler", "flag"),
    [
        (2, ("threads",), "local", None, "--jobs"),
        (None, ("model", "go"), "dask", None, "--executor"),
        (0, ("model",), "local", None, "--jobs"),
        (None, ("model",), "ray", None, "--executor"),
        (None, ("model",), "local", "tcp://127.0.0.1:8786", "--scheduler"),
    ],
)
def test_bad_cell_flags_name_the_flag(
    jobs: int | None, engines: tuple[str, ...], executor: str, scheduler: str | None, flag: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_jobs(jobs, engines, executor, scheduler)
    assert raised.value.source == flag


def test_jobs_default_to_the_cores_for_the_model_and_to_one_otherwise() -> None:
    assert resolve_jobs(None, ("threads",), "local") == 1
    assert resolve_jobs(None, ("model",), "local") >= 1
    assert resolve_jobs(3, ("model",), "local") == 3


def test_compare_cli_jobs_two_prints_cells_done_and_the_same_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mix.yaml"
    path.write_text(MIX)
    outputs = []
    for jobs in ("1", "2"):
        with pytest.raises(SystemExit) as exited:
            main(["compare", "--engine", "model", "--workload", str(path), "--stores",
                  "mutex,rwmutex", "--repeat", "2", "--gomaxprocs", "2", "--sim-time", "2ms",
                  "--jobs", jobs, "-f", "json",
                  "--profiles-dir", str(tmp_path / jobs)])  # fmt: skip
        out, err = capsys.readouterr()
        assert exited.value.code in (0, None), err
        data = json.loads(out)
        outputs.append(json.dumps(data).replace(str(tmp_path / jobs), "DIR"))
        if jobs == "2":
            assert "4 of 4 cells done" in err
    assert outputs[0] == outputs[1]


def test_compare_cli_jobs_with_the_threads_engine_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["compare", "--stores", "mutex", "--jobs", "2"])
    _, err = capsys.readouterr()
    assert exited.value.code == 2
    assert "--jobs" in err and "Traceback" not in err


def test_sweep_cli_grid_of_gomaxprocs_and_goroutines_writes_csv_and_a_heat_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mix.yaml"
    path.write_text(MIX)
    with pytest.raises(SystemExit) as exited:
        main(["sweep", "--engine", "model", "--workload", str(path), "--stores", "mutex",
              "--gomaxprocs", "1,2", "--goroutines", "20,40", "--repeat", "1",
              "--sim-time", "2ms", "--jobs", "2", "-f", "csv",
              "--profiles-dir", str(tmp_path / "grid")])  # fmt: skip
    out, err = capsys.readouterr()
    assert exited.value.code in (0, None), err
    header, *rows = out.strip().splitlines()
    assert "gomaxprocs" in header.split(",")
    assert sorted(r.split(",")[0] for r in rows) == [
        "mutex @20 P=1", "mutex @20 P=2", "mutex @40 P=1", "mutex @40 P=2"
    ]  # fmt: skip
    assert "4 of 4 cells done" in err
    if "heat map saved" in err:  # matplotlib installed
        assert (tmp_path / "grid" / "sweep.png").read_bytes().startswith(b"\x89PNG")
