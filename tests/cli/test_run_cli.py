"""``lsim run`` end to end: real runs (short), the JSON report's keys, user errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lsim.cli.app import main

REPO = Path(__file__).resolve().parents[2]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.mark.timeout(120)
def test_run_shards_json_report_has_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["run", "--shards", "64", "--threads", "50", "--duration", "0.5", "-f", "json"], capsys
    )
    assert code == 0
    report = json.loads(out)
    assert report["store"] == "sharded" and report["shards"] == 64
    assert report["seed"] == 1
    assert report["throughput"]["ops_per_s"] > 0
    census = report["census"]
    assert census["threads"] == pytest.approx(50, abs=1)
    assert 0.0 <= census["blocked_share"] <= 1.0
    assert set(census["blocked_by_operation"]) <= {
        "GetOrAddGlobalRefID",
        "GetLocalRefID",
        "AddLocalLink",
        "ReplaceLocalLink",
        "GetOrAddLink",
        "TrackStaleness",
        "CheckAndRemoveStaleMarkers",
        "Collect",
    }
    assert report["regime"] in ("saturated", "below-saturation")
    assert report["command"].startswith("lsim run --store sharded --shards 64 --threads 50")


@pytest.mark.timeout(120)
def test_run_mutex_closed_loop_shows_the_store_lock_as_the_wait(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workload = tmp_path / "hot.yaml"
    workload.write_text(
        "name: hot\nthreads: {count: 100}\nrun: {duration_s: 1.0, warmup_s: 0.2}\n"
        "series: {count: 1000, prepopulated: 500}\n"
    )
    code, out, _ = run_cli(
        ["run", "--workload", str(workload), "--store", "mutex", "-f", "json"], capsys
    )
    assert code == 0
    report = json.loads(out)
    blocked = report["census"]["blocked_by_operation"]
    assert report["census"]["blocked_share"] > 0.5
    assert blocked["GetOrAddGlobalRefID"] > 0 and blocked["GetLocalRefID"] > 0
    assert report["locks"][0]["name"] == "labelstore.Service.mut"
    assert report["regime"] == "saturated"


@pytest.mark.timeout(120)
def test_text_report_reads_like_the_dump(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["run", "--threads", "30", "--duration", "0.5"], capsys)
    assert code == 0
    assert "threads; blocked on labelstore locks:" in out
    assert "Total blocked:" in out
    assert "Reproduce: lsim run --store mutex --threads 30 --duration 0.5 --seed 1" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "--store", "nosuch"], "allowed: mutex, rwmutex, finegrained, sharded"),
        (["run", "--shards", "300"], "between 1 and 256"),
        (["run", "--store", "mutex", "--shards", "4"], "sharded design only"),
        (["run", "--threads", "10000000"], "threads can start in one process"),
        (["run", "--workload", "/nonexistent.yaml"], "/nonexistent.yaml"),
        (["run", "-f", "xml"], "allowed: text, json"),
        (["run", "--gomaxprocs", "4"], "--engine model or --engine go only"),
        (["run", "--engine", "gpu"], "allowed: threads, model"),
    ],
)
def test_user_errors_exit_2_with_one_line(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(args, capsys)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err and out == ""


@pytest.mark.timeout(120)
def test_ctrl_c_stops_cleanly_and_still_reports(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lsim", "run", "--threads", "50", "--duration", "60", "-f", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 60
    while not (children.exists() and children.read_text().strip()):
        assert time.monotonic() < deadline, "experiment process never started"
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    report = json.loads(out)
    assert any("interrupted" in note for note in report["notes"])
    assert "Traceback" not in err
