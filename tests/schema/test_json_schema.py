"""Every ``-f json`` output validates against ``lsim/schema/report.schema.json``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from lsim.cli.app import main
from lsim.engine.spec import Experiment
from lsim.profile.model import Profile, save_profile
from lsim.profile.report import CENSUS_STATES, STORE_OPERATIONS, report_dict
from lsim.schema import OUTPUT_KINDS, load_schema, schema_for
from tests.compare.helpers import profile_with
from tests.fixtures.profiles import small_profile

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "profiles").glob("*.json"))
HOT = (
    "name: hot\nthreads: {count: 20}\nrun: {duration_s: 0.3, warmup_s: 0.1}\n"
    "series: {count: 400, prepopulated: 200}\n"
)
# Which schema definition each command's -f json output follows; test_every_json_output_
# is_covered fails when a command gains -f json without a line here.
KIND_OF = {
    "run": "run_report",
    "profile": "profile",
    "profile show": "profile",
    "profile diff": "profile_diff",
    "compare": "compare_report",
    "sweep": "compare_report",
    "workload show": "workload_show",
}
# Commands whose -f json has no definition in the schema yet (move them to KIND_OF, with a
# test below, once their output is settled).
PENDING = {
    "analyze": "issue 13 (lsim analyze) is being written",
    "fit": "issue 13 (lsim fit) is being written",
}


def check(document: Any, kind: str) -> None:
    """``document`` is a valid ``kind``, and matches exactly that one of the top level."""
    errors = sorted(Draft202012Validator(schema_for(kind)).iter_errors(document), key=str)
    assert not errors, "\n".join(f"{e.json_path}: {e.message[:300]}" for e in errors[:10])
    Draft202012Validator(load_schema()).validate(document)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    assert exited.value.code in (0, None), err
    return out


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, Path]:
    return (
        save_profile(small_profile("mutex"), tmp_path / "mutex.json"),
        save_profile(small_profile("sharded"), tmp_path / "sharded.json"),
    )


class FakeEngine:
    def __call__(self, experiment: Experiment, progress: object = None) -> Profile:
        speed = 1000.0 if experiment.store == "mutex" else 3000.0
        return profile_with(experiment.store, speed, shards=experiment.shards)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr("lsim.engine.run.run_experiment", FakeEngine())
    yield


def test_the_schema_is_a_valid_json_schema() -> None:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert set(OUTPUT_KINDS) <= set(schema["$defs"])


def test_every_json_output_is_covered() -> None:
    import typer

    from lsim.cli.app import _register_commands, app

    _register_commands()
    with_json = set()

    def walk(command: Any, path: list[str]) -> None:
        for param in command.params:
            if "--format" in getattr(param, "opts", ()):
                words = f"{param.metavar or ''} {getattr(param, 'help', '') or ''}"
                if "json" in words:
                    with_json.add(" ".join(path))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    missing = with_json - set(KIND_OF) - set(PENDING)
    assert not missing, f"{missing}: a command's -f json needs its schema and a test here"
    assert set(KIND_OF) <= with_json


@pytest.mark.timeout(120)
def test_run_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "hot.yaml").write_text(HOT)
    out = run_cli(["run", "-w", str(tmp_path / "hot.yaml"), "-q", "-f", "json"], capsys)
    report = json.loads(out)
    check(report, KIND_OF["run"])
    assert set(STORE_OPERATIONS) <= set(report["census"]["blocked_by_operation"])
    assert set(STORE_OPERATIONS) <= set(report["throughput"]["by_operation"])


@pytest.mark.parametrize("store", ["mutex", "sharded", "rwmutex"])
def test_run_report_of_every_fixture(store: str) -> None:
    check(report_dict(small_profile(store)), "run_report")


def test_zeros_are_listed_not_dropped() -> None:
    profile = small_profile("mutex")
    report = report_dict(profile)
    blocked = report["census"]["blocked_by_operation"]
    assert set(STORE_OPERATIONS) <= set(blocked)
    assert blocked["Collect"] == 0.0 and blocked["GetOrAddLink"] == 0.0
    assert report["throughput"]["by_operation"]["Collect"] == {
        "count": 0,
        "ops_per_s": 0.0,
        "p50_ns": 0,
        "p99_ns": 0,
        "max_ns": 0,
    }
    assert set(CENSUS_STATES) <= set(report["census"]["states"])
    # a run where nothing blocked at all (lockfree-like) still lists every operation
    profile.census = [c for c in profile.census if not c.state.startswith("sync.")]
    assert report_dict(profile)["census"]["blocked_by_operation"] == dict.fromkeys(
        STORE_OPERATIONS, 0.0
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_profiles_and_their_reports(path: Path) -> None:
    from lsim.profile.model import load_profile

    check(json.loads(path.read_text()), "profile")
    check(report_dict(load_profile(path)), "run_report")


def test_profile_show_and_diff_json(
    saved: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    check(json.loads(run_cli(["profile", "show", str(saved[0]), "-f", "json"], capsys)), "profile")
    out = run_cli(["profile", "diff", str(saved[0]), str(saved[1]), "-f", "json"], capsys)
    diff = json.loads(out)
    check(diff, KIND_OF["profile diff"])
    assert diff["operations"]["Collect"]["blocked"]["before"] == 0.0


@pytest.mark.timeout(120)
def test_profile_json_to_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hot.yaml").write_text(HOT)
    check(json.loads(run_cli(["profile", "-w", "hot.yaml", "-q", "-f", "json"], capsys)), "profile")


def test_compare_and_sweep_json(
    fake: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--repeat", "2", "--profiles-dir", str(tmp_path), "-f", "json", "-q"]
    out = run_cli(["compare", "--stores", "mutex,sharded", "--shards", "8", *args], capsys)
    report = json.loads(out)
    check(report, KIND_OF["compare"])
    row = report["groups"][0]["rows"][0]
    assert row["calls"]["Collect"] == 0 and row["p99_ns"]["Collect"]["n"] == 0
    out = run_cli(["sweep", "--shards", "1,2", "--no-plot", *args], capsys)
    check(json.loads(out), KIND_OF["sweep"])


def test_workload_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli(["workload", "show", "builtin", "--steps", "100", "-f", "json"], capsys)
    check(json.loads(out), KIND_OF["workload show"])
