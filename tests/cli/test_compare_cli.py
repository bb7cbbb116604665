"""``lsim compare`` / ``lsim sweep`` end to end: two tiny real runs, the rest on a fake engine."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lsim.cli.app import main
from lsim.engine.spec import Experiment
from lsim.profile.model import Profile
from lsim.stores import STORE_NAMES
from tests.compare.helpers import profile_with

HOT = (
    "name: hot\nthreads: {count: 20}\nrun: {duration_s: 0.5, warmup_s: 0.2}\n"
    "series: {count: 1000, prepopulated: 500}\n"
)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.fixture
def hot(tmp_path: Path) -> Path:
    path = tmp_path / "hot.yaml"
    path.write_text(HOT)
    return path


@pytest.mark.timeout(180)
def test_real_tiny_compare_prints_the_table_and_saves_profiles(
    hot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "runs"
    code, out, err = run_cli(
        [
            "compare",
            "--workload",
            str(hot),
            "--stores",
            "mutex,sharded",
            "--shards",
            "4",
            "--repeat",
            "1",
            "--profiles-dir",
            str(saved),
        ],
        capsys,
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("lsim compare · workload hot · seed 1")
    assert any(line.startswith("mutex ") for line in lines)
    assert any(line.startswith("sharded-4 ") for line in lines)
    assert sorted(p.name for p in saved.iterdir()) == ["mutex-r1.json", "sharded-4-r1.json"]
    from lsim.profile.model import load_profile

    # --repeat 1: no spread to judge; on a busy machine a noisy run is not judged at all
    noisy = [p.stem for p in sorted(saved.iterdir()) if load_profile(p).machine["noisy"]]
    if noisy:
        assert "but not in the verdict" in out, out
    else:
        assert "no spread to judge" in out
    code, out, _ = run_cli(
        ["profile", "diff", str(saved / "mutex-r1.json"), str(saved / "sharded-4-r1.json")], capsys
    )
    assert code == 0 and out.strip()


@pytest.mark.timeout(180)
def test_real_tiny_sweep_writes_table_and_plot(
    hot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    saved = tmp_path / "sweep"
    code, out, err = run_cli(
        [
            "sweep",
            "--workload",
            str(hot),
            "--shards",
            "2,4",
            "--no-baseline",
            "--repeat",
            "1",
            "--duration",
            "0.3",
            "--profiles-dir",
            str(saved),
            "-f",
            "csv",
        ],
        capsys,
    )
    assert code == 0, err
    assert [line.split(",")[0] for line in out.splitlines()] == ["design", "sharded-2", "sharded-4"]
    assert (saved / "sweep.png").read_bytes().startswith(b"\x89PNG")
    assert f"plot saved to {saved / 'sweep.png'}" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["compare", "--stores", "nosuch"], ["nosuch", *STORE_NAMES]),
        (["compare", "--shards", "300"], ["--shards", "1..256"]),
        (["sweep", "--shards", "1,2,...,300"], ["--shards", "1..256"]),
        (["compare", "-f", "yaml"], ["text, json, markdown, csv"]),
        (["compare", "--repeat", "0"], ["--repeat"]),
        (["sweep", "--plot", "x.pdf"], [".png, .svg"]),
    ],
)
def test_bad_options_fail_with_the_allowed_values(
    args: list[str], expected: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(args, capsys)
    assert code == 2 and out == ""
    flat = " ".join(err.split())  # rich may wrap the one-line message on narrow terminals
    assert all(word in flat for word in expected)


def test_plot_without_matplotlib_fails_before_running(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    code, out, err = run_cli(["sweep", "--plot", "x.png"], capsys)
    assert code == 2 and out == ""
    assert "pip install 'lsim[plot]'" in err


class FakeEngine:
    """Stands in for run_experiment: fixture profiles, and a Ctrl-C at a chosen run."""

    def __init__(self, interrupt_at: int | None = None) -> None:
        self.calls: list[str] = []
        self.interrupt_at = interrupt_at

    def __call__(self, experiment: Experiment, progress: object = None) -> Profile:
        if len(self.calls) == self.interrupt_at:
            raise KeyboardInterrupt
        self.calls.append(experiment.store_label)
        speed = {"mutex": 1000.0}.get(experiment.store, 2000.0 + 10 * len(self.calls))
        return profile_with(experiment.store, speed, shards=experiment.shards)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    engine = FakeEngine()
    monkeypatch.setattr("lsim.engine.run.run_experiment", engine)
    yield engine


def test_default_compare_runs_all_designs_interleaved(
    fake: FakeEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["compare", "--profiles-dir", str(tmp_path), "-f", "json"], capsys)
    assert code == 0
    one_round = [
        "mutex",
        "rwmutex",
        "finegrained",
        "sharded-32",
        "sharded-64",
        "syncmap",
        "percomponent",
        "lockfree",
        "directfanout",
    ]
    assert fake.calls == one_round * 5  # the default --repeat 5: enough for a verdict
    data = json.loads(out)
    assert [e["label"] for e in data["schedule"]] == one_round * 5
    assert [e["repetition"] for e in data["schedule"]] == [r for r in range(1, 6) for _ in range(9)]
    assert len(list(tmp_path.iterdir())) == 45
    assert [r["design"] for r in data["groups"][0]["rows"]] == one_round


def test_ctrl_c_prints_the_table_for_what_finished(
    fake: FakeEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.interrupt_at = 3
    code, out, _ = run_cli(
        ["compare", "--stores", "mutex,sharded", "--shards", "8", "--profiles-dir", str(tmp_path)],
        capsys,
    )
    assert code == 130
    assert fake.calls == ["mutex", "sharded-8", "mutex"]
    assert "Interrupted (Ctrl-C) after 3 of 10 runs" in out
    assert any(line.startswith("sharded-8 ") for line in out.splitlines())


def test_markdown_to_file(
    fake: FakeEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "table.md"
    code, out, err = run_cli(
        [
            "compare",
            "--stores",
            "mutex,rwmutex",
            "--repeat",
            "2",
            "--profiles-dir",
            str(tmp_path / "p"),
            "-o",
            str(target),
        ],
        capsys,
    )
    assert code == 0 and out == "" and f"wrote {target}" in err
    assert target.read_text().count("\n| ") >= 3


def test_threads_sweep_groups_by_thread_count(
    fake: FakeEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(
        [
            "sweep",
            "--threads",
            "10,20",
            "--repeat",
            "2",
            "--no-plot",
            "--profiles-dir",
            str(tmp_path),
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["axis"] == "threads"
    assert [g["title"] for g in data["groups"]] == ["10 threads", "20 threads"]
    assert [r["reference"] for r in data["groups"][1]["rows"]] == ["mutex @20"] * 2
