"""Nothing lost: every output destination is checked before a run, every file is written
whole, and a write that fails after the run keeps its result (issue 14, items 1 and 2)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lsim.cli.app import main

REPO = Path(__file__).resolve().parents[2]
MODEL = ["--engine", "model", "--goroutines", "30", "--sim-time", "2ms", "-q"]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.fixture
def no_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any run started fails the test: destinations must be refused before it."""
    import lsim.engine.run

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a run started although its output cannot be written")

    monkeypatch.setattr(lsim.engine.run, "run_experiment", refuse)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "-o", "nodir/r.txt"], "--output: directory nodir does not exist"),
        (["run", "-f", "json", "-o", "."], "is a directory"),
        (["run", "-o", "x" * 300 + ".txt"], "file name longer than 255 bytes"),
        (["profile", "-o", "nodir/p.json"], "directory nodir does not exist"),
        (["profile", "-f", "summary", "-o", "nodir/p.txt"], "directory nodir does not exist"),
        (["compare", "--stores", "mutex", "-o", "nodir/c.md"], "directory nodir does not exist"),
        (["sweep", "--shards", "1,2", "-o", "nodir/s.csv"], "directory nodir does not exist"),
        (["sweep", "--shards", "1,2", "--plot", "nodir/s.png"], "directory nodir does not exist"),
        (["compare", "--stores", "mutex", "--profiles-dir", "afile/x"], "afile is a file"),
    ],
)
def test_a_destination_that_cannot_be_written_stops_before_the_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_runs: None,
    args: list[str],
    needle: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("not a folder")
    code, out, err = run_cli([*args, *MODEL], capsys)
    assert code == 2 and needle in err, err
    assert "Traceback" not in err and err.count("\n") == 1


def test_a_profiles_folder_that_is_a_file_stops_profile_before_the_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_runs: None,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "profiles").write_text("not a folder")
    code, _, err = run_cli(["profile", *MODEL], capsys)
    assert code == 2 and "profile folder: profiles is a file, not a folder" in err


def test_a_read_only_destination_stops_before_the_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_runs: None,
) -> None:
    import lsim.atomicio

    (tmp_path / "ro").mkdir()
    monkeypatch.setattr(lsim.atomicio.os, "access", lambda path, mode: "ro" not in str(path))
    code, _, err = run_cli(["run", "-o", str(tmp_path / "ro" / "r.txt"), *MODEL], capsys)
    assert code == 2 and "is not writable" in err


@pytest.mark.timeout(120)
def test_a_full_disk_after_the_run_prints_the_report_instead(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(["run", "-f", "json", "-o", "/dev/full", *MODEL], capsys)
    assert code == 2
    assert "cannot write /dev/full: No space left on device" in err
    assert "printed on stdout instead" in err
    assert json.loads(out)["engine"] == "model"


@pytest.mark.timeout(120)
def test_a_profile_that_cannot_be_saved_is_kept_elsewhere_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import lsim.atomicio
    import lsim.cli.rescue

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(lsim.cli.rescue.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    real = lsim.atomicio.write_atomic
    (tmp_path / "tmp").mkdir()

    def disk_full_in_out(path: Path, data: bytes | str) -> Path:
        if path.parent.name == "out":
            raise lsim.atomicio.OutputError(f"cannot write {path}: No space left on device")
        return real(path, data)

    monkeypatch.setattr(lsim.atomicio, "write_atomic", disk_full_in_out)
    monkeypatch.setattr(lsim.cli.rescue, "write_atomic", disk_full_in_out)
    (tmp_path / "out").mkdir()
    code, out, err = run_cli(["profile", "-o", "out/p.json", *MODEL], capsys)
    assert code == 2, err
    kept = sorted((tmp_path / "profiles").glob("*.json"))
    assert len(kept) == 1, err  # beside the default path
    assert f"the profile was saved to {kept[0].relative_to(tmp_path)} instead" in err
    assert json.loads(kept[0].read_text())["kind"] == "lsim-profile"


@pytest.mark.timeout(120)
def test_a_file_size_limit_never_leaves_a_truncated_file(tmp_path: Path) -> None:
    good = tmp_path / "p.json"
    good.write_text(json.dumps({"good": "x" * 10_000}))
    before = good.read_bytes()

    def limit_file_size() -> None:  # ulimit -f 4
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = subprocess.run(
        [sys.executable, "-m", "lsim", "profile", *MODEL, "-o", "p.json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        preexec_fn=limit_file_size,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "File too large" in done.stderr and "Traceback" not in done.stderr
    assert good.read_bytes() == before, "the good file was replaced by a truncated one"
    assert not list(tmp_path.glob(".p.json.*")), "a temporary file was left behind"
    assert json.loads(done.stdout)["kind"] == "lsim-profile"  # kept: printed at last


@pytest.mark.timeout(120)
def test_a_300_character_workload_name_still_makes_a_profile_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "w.yaml").write_text(f"name: {'n' * 300}\n")
    code, _, err = run_cli(["profile", "-w", "w.yaml", *MODEL], capsys)
    assert code == 0, err
    (saved,) = (tmp_path / "profiles").glob("*.json")
    assert len(saved.name) <= 255
