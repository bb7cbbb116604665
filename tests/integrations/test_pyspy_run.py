"""py-spy record and dump against a real experiment process (small thread count)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lsim.engine.job import WorkloadJob
from lsim.engine.report import build_profile
from lsim.engine.threads import run_child
from lsim.integrations.flamegraph import parse_folded
from lsim.integrations.pyspy import PySpyRecord, choose_rate
from lsim.integrations.pyspy_dump import PySpyDump
from tests.integrations.helpers import THREADS, small_experiment

pytestmark = [pytest.mark.usefixtures("needs_ptrace"), pytest.mark.timeout(120)]


def test_record_and_dump_a_contended_mutex_run(tmp_path: Path) -> None:
    experiment = small_experiment("mutex")
    record = PySpyRecord(tmp_path, threads=THREADS, duration_s=experiment.workload.run.duration_s)
    record.check()
    dump = PySpyDump(tmp_path, delay_s=0.3)
    result = run_child(WorkloadJob(experiment), census_rate_hz=100, observers=[record, dump])
    profile = build_profile(experiment, result)

    got = profile.integrations["py_spy"]
    assert got["error"] is None, got["error"]
    assert got["rate_hz"] == choose_rate(THREADS)
    stacks = parse_folded(Path(got["folded"]).read_text())  # integer weights or ValueError
    assert stacks and sum(w for _, w in stacks) == got["samples"] > 0
    folded = Path(got["folded"]).read_text()
    assert "sync.(*Mutex).Lock" in folded and "sync.runtime_SemacquireMutex" in folded
    assert "Waiter.park" not in folded
    assert got["lock_wait_samples"].get("sync.Mutex.Lock", 0) > 0
    svg = ET.parse(got["svg"]).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert Path(got["raw_folded"]).exists()

    snap = profile.integrations["py_spy_dump"]
    assert snap["error"] is None, snap["error"]
    threads = json.loads(Path(snap["path"]).read_text())
    assert snap["threads"] == len(threads) == THREADS + 1  # the workers and the main thread
    assert snap["blocked"] == sum(snap["lock_waits"].values())
    assert 0 < snap["blocked"] <= THREADS  # closed loop on one mutex: most are queued
    assert 0 <= snap["owns_gil"] <= 1


def test_native_record_tells_gil_waits_from_lock_waits(tmp_path: Path) -> None:
    experiment = small_experiment("mutex", duration_s=1.0)
    record = PySpyRecord(tmp_path, threads=THREADS, duration_s=1.0, native=True)
    result = run_child(WorkloadJob(experiment), census_rate_hz=100, observers=[record])
    got = result.observed["py_spy"]
    assert got["error"] is None, got["error"]
    assert not got["nonblocking"]  # py-spy takes native stacks only while the process is paused
    assert got["lock_wait_samples"].get("sync.Mutex.Lock", 0) > 0
    assert isinstance(got["gil_wait_samples"], int)
