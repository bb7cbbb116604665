"""Ctrl-C and SIGTERM end a real run within seconds, with its report (issue 14, items 4-5).

Each test starts ``lsim`` in its own session (a terminal's process group: Ctrl-C reaches the
parent and the experiment child alike), waits on a pipe until the run is measuring, sends
the signals, and waits for the process with a timeout.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
READY = Path(__file__).with_name("lsim_ready.py")
ENDS_WITHIN_S = 15.0


@contextmanager
def lsim_running(args: list[str], cwd: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """``lsim ARGS`` started in its own session; yields it and the pid that said ready."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, str(READY), str(write_fd), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        pass_fds=(write_fd,),
        start_new_session=True,
    )
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 120)
        assert ready, "the run never started measuring"
        line = os.read(read_fd, 64).decode().split("\n")[0]
        assert line, proc.stderr.read() if proc.stderr else "no ready line"
        yield proc, int(line[1:])
    finally:
        os.close(read_fd)
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def _burst(pgid: int, count: int = 25) -> None:
    """Ctrl-C pressed again and again, as an impatient user does (1 ms apart)."""
    for _ in range(count):
        os.killpg(pgid, signal.SIGINT)
        time.sleep(0.001)  # paces the stimulus; nothing waits on it


@pytest.mark.timeout(180)
def test_a_burst_of_ctrl_c_ends_a_real_run_within_seconds_with_its_report(
    tmp_path: Path,
) -> None:
    args = ["run", "--threads", "200", "--duration", "30", "-f", "json", "-q"]
    with lsim_running(args, tmp_path) as (proc, child):
        began = time.monotonic()
        _burst(proc.pid)
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - began
    assert proc.returncode == 130, err
    assert took < ENDS_WITHIN_S, f"took {took:.1f} s"
    report = json.loads(out)  # the report of the window so far (maybe 0 ops: cut at once)
    assert any(note.startswith("interrupted") for note in report["notes"])
    assert report["threads"] == 200 and report["throughput"]["total_ops"] >= 0
    assert "Traceback" not in err and "GIL" not in err
    assert not Path(f"/proc/{child}").exists(), "the experiment process outlived the run"


@pytest.mark.timeout(180)
def test_sigterm_to_the_parent_stops_the_child_too(tmp_path: Path) -> None:
    args = ["run", "--threads", "50", "--duration", "30", "-f", "json", "-q"]
    with lsim_running(args, tmp_path) as (proc, child):
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)  # the parent only, as `kill PID` does
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - began
    assert proc.returncode == 130, err
    assert took < ENDS_WITHIN_S
    assert any(note.startswith("interrupted") for note in json.loads(out)["notes"])
    assert not Path(f"/proc/{child}").exists(), "the experiment process ran on alone"


@pytest.mark.timeout(180)
def test_an_interrupted_profile_is_saved_and_exits_130(tmp_path: Path) -> None:
    args = ["profile", "--threads", "40", "--duration", "30", "-o", "p.json", "-q"]
    with lsim_running(args, tmp_path) as (proc, _):
        _burst(proc.pid, 5)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    saved = json.loads((tmp_path / "p.json").read_text())
    assert any(note.startswith("interrupted") for note in saved["notes"])


@pytest.mark.timeout(180)
def test_ctrl_c_on_a_model_run_keeps_the_virtual_time_reached(tmp_path: Path) -> None:
    args = ["profile", "--engine", "model", "--goroutines", "2000", "--sim-time", "600s"]
    with lsim_running([*args, "-o", "m.json", "-q"], tmp_path) as (proc, _):
        began = time.monotonic()
        _burst(proc.pid)
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - began
    assert proc.returncode == 130, err
    assert took < ENDS_WITHIN_S
    saved = json.loads((tmp_path / "m.json").read_text())
    interrupted = [n for n in saved["notes"] if n.startswith("interrupted")]
    assert interrupted and "of 600000 ms" in interrupted[0]
    assert saved["duration_s"] < 600  # what was reached (tests/engine/test_interrupt.py: > 0)
