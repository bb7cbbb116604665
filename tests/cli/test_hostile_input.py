"""Hostile flags and files: one line naming the flag or file, the field and what is allowed,
exit 2, before anything runs (issue 14, items 3, 6, 8, 9 and 10)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lsim.cli.app import main

MODEL = ["--engine", "model", "--goroutines", "30", "--sim-time", "2ms"]
DUMP = str(Path(__file__).resolve().parents[2] / "workloads" / "alloy-production-dump.yaml")


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.fixture
def no_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import lsim.engine.run

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a run started although its input is refused")

    monkeypatch.setattr(lsim.engine.run, "run_experiment", refuse)


FILES = {
    "rate.yaml": "pacing: {rate_per_thread: 1.0e-300}\n",
    "think.yaml": "pacing: {think: fixed, think_s: 1.0e+300}\n",
    "pause.yaml": "pacing: {think: fixed, think_s: 60}\n",
    "dup.yaml": "threads: {count: 10}\nthreads: {count: 20}\n",
    "bomb.yaml": "a: &a [1, 1, 1]\nb: &b [*a, *a, *a]\nthreads: {count: *b}\n",
    "seed.yaml": "seed: " + "7" * 5000 + "\n",
    "div.yaml": "series:\n  template: {job: 'x{i//00}'}\n",
    "big.yaml": "series: {count: 10000000, prepopulated: 10000000}\n",
}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "--census-hz", "nan"], "--census-hz: must be a finite number (got nan)"),
        (["run", "--census-hz", "1e-9"], "--census-hz: must be > 0.01 and <= 10000"),
        (["run", "--census-hz", "inf"], "--census-hz: must be a finite number"),
        (["run", "--duration", "1e300"], "--duration: must be > 0 and <= 86400"),
        (["run", "--duration", "nan"], "--duration: must be a finite number"),
        (["run", "--threads", "0"], "--threads: must be 1..1,000,000,000 (got 0)"),
        (["run", "--threads", "10000000"], "--threads: must be <= "),
        (["run", "--seed", "-1"], "--seed: must be 0..9,223,372,036,854,775,807"),
        (["run", "--seed", str(2**64)], "--seed: must be 0..9,223,372,036,854,775,807"),
        (["run", *MODEL, "--goroutines", "0"], "--goroutines: must be 1..1,000,000 (got 0)"),
        (["run", *MODEL, "--gomaxprocs", "100000"], "--gomaxprocs: must be 1..4,096"),
        (["run", *MODEL, "--sim-time", "1e400"], "--sim-time: must be between 1us and 3600s"),
        (["run", *MODEL, "--sim-time", "1e308s"], "--sim-time: must be between 1us and 3600s"),
        (["run", *MODEL, "--sim-time", "soon"], "--sim-time: expected a positive duration"),
        (
            [
                "run",
                "-w",
                DUMP,
                "--engine",
                "model",
                "--sim-time",
                "3600s",
                "--goroutines",
                "54000",
                "--gomaxprocs",
                "64",
            ],
            "--sim-time: this run would take about",
        ),  # fmt: skip
        (["profile", "--format", "nosuch"], "--format: unknown format 'nosuch'"),
        (["profile", "show", "p.json", "--go-version", "abc"], "--go-version: go_version"),
        (["sweep", "--shards", ""], "--shards: no value given"),
        (["sweep", "-r", "1000000000"], "--repeat: must be 1..100 (got 1,000,000,000)"),
        (["compare", "-r", "0"], "--repeat: must be 1..100 (got 0)"),
        (["sweep", "--threads", ",".join(map(str, range(1, 100)))], "at most 64 in one list"),
        (["sweep", "--shards", "9" * 5000], "is too long for a count"),
        (["run", "-w", "rate.yaml"], "rate.yaml: pacing.rate_per_thread: must be 0 (off)"),
        (["run", "-w", "think.yaml"], "think.yaml: pacing.think_s: must be <= 86400"),
        (["run", "-w", "pause.yaml"], "pause.yaml: pacing.think_s: a pause of 60 s is longer"),
        (["run", "-w", "dup.yaml"], "dup.yaml: invalid YAML at line 2, column 1: duplicate key"),
        (["run", "-w", "bomb.yaml"], "bomb.yaml: invalid YAML at line 2"),
        (["run", "-w", "seed.yaml"], "seed.yaml: invalid YAML at line 1, column 7: a number of"),
        (["run", "-w", "div.yaml"], "div.yaml: series.template.job: division or modulo by zero"),
        (["run", "-w", "big.yaml"], "big.yaml: this run needs about"),
        (["workload", "validate", "rate.yaml"], "rate.yaml: pacing.rate_per_thread"),
        (["workload", "validate", "pause.yaml"], "pause.yaml: pacing.think_s: a pause of 60 s"),
        (["workload", "validate", "dup.yaml"], "duplicate key 'threads' (first at line 1)"),
    ],
)
def test_hostile_input_is_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_runs: None,
    args: list[str],
    needle: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "p.json").write_text("{}")
    code, out, err = run_cli(args, capsys)
    assert code == 2, err
    assert needle in err, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and out == ""


@pytest.mark.timeout(120)
def test_the_model_honours_census_hz_and_says_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["run", *MODEL, "--census-hz", "5000", "-f", "json", "-q"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["census"]["rate_hz"] == 5000
    assert "--census-hz 5000" in report["command"]
    code, out, _ = run_cli(["run", *MODEL, "-f", "json", "-q"], capsys)
    assert json.loads(out)["census"]["rate_hz"] == 1000  # the model's own default


@pytest.mark.timeout(120)
def test_a_long_model_run_states_its_wall_time(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], no_runs: None
) -> None:
    with pytest.raises(AssertionError, match="a run started"):
        main(["run", "-w", DUMP, "--engine", "model", "--sim-time", "20s", "--goroutines",
              "54000", "--gomaxprocs", "64"])  # fmt: skip
    assert "the model will take about" in capsys.readouterr().err


@pytest.mark.timeout(120)
def test_diffing_a_threads_and_a_model_profile_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lsim.profile.model import save_profile
    from tests.fixtures.profiles import small_profile

    threads = small_profile("mutex")
    model = small_profile("mutex")
    model.engine = "model"
    save_profile(threads, tmp_path / "t.json")
    save_profile(model, tmp_path / "m.json")
    code, out, err = run_cli(
        ["profile", "diff", str(tmp_path / "t.json"), str(tmp_path / "m.json")], capsys
    )
    assert code == 0 and out
    assert "warning: comparing a threads profile with a model profile" in err


@pytest.mark.timeout(120)
def test_a_worker_that_dies_fails_the_run_and_keeps_the_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading

    import lsim.stores.mutex

    real = lsim.stores.mutex.SingleLockStore.get_local_ref_id

    def boom(self: Any, component: str, global_id: int) -> int:
        if threading.current_thread().name == "worker-3":
            raise MemoryError("label too large")
        return real(self, component, global_id)

    # patched before the experiment process forks, so its workers inherit it
    monkeypatch.setattr(lsim.stores.mutex.SingleLockStore, "get_local_ref_id", boom)
    code, out, err = run_cli(
        ["run", "--store", "mutex", "--threads", "8", "--duration", "5", "-f", "json", "-q"],
        capsys,
    )
    assert code == 1
    assert "error: the run failed: worker 3: MemoryError: label too large" in err
    report = json.loads(out)
    assert any(note.startswith("failed: worker 3") for note in report["notes"])
