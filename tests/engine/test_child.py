"""The experiment process: a worker that dies, a thread that cannot start and Ctrl-C sent
again and again all end the run with what was measured (issue 14, items 3, 4 and 7)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from typing import Any

import pytest

from lsim.engine.board import BoardSlot
from lsim.engine.executor import Flags, ThreadRecorder
from lsim.engine.report import build_profile
from lsim.engine.spec import Experiment
from lsim.engine.threads import run_child
from lsim.errors import RunFailed
from lsim.sync.states import Operation
from tests.workload.helpers import workload

CTX = multiprocessing.get_context("fork")


class CountingJob:
    """``threads`` workers counting operations; ``fail_at`` (thread, op) raises there;
    ``start_limit`` makes the child unable to start more threads than that."""

    mode = "steady"
    iterations = 1
    warmup_s = 0.05

    def __init__(
        self,
        threads: int,
        duration_s: float,
        fail_at: tuple[int, int] | None = None,
        start_limit: int | None = None,
    ) -> None:
        self.threads, self.duration_s = threads, duration_s
        self.fail_at, self.start_limit = fail_at, start_limit
        self.measuring = CTX.Event()  # set in the child, waited on by the test
        self.child_pid = CTX.Value("i", 0)

    def setup(self) -> None:
        self.child_pid.value = os.getpid()
        if self.start_limit is not None:  # runs in the child only: the test is not touched
            start, limit, count = threading.Thread.start, self.start_limit, [0]

            def limited_start(thread: threading.Thread) -> None:
                count[0] += 1
                if count[0] > limit:
                    raise RuntimeError("can't start new thread")
                start(thread)

            threading.Thread.start = limited_start  # type: ignore[method-assign]

    def run_thread(
        self,
        index: int,
        iteration: int,
        slot: BoardSlot,
        flags: Flags,
        rec: ThreadRecorder,
        counters: dict[str, int],
    ) -> None:
        n = 0
        while not flags.stop:
            slot.enter(Operation.GET_LOCAL_REF_ID)
            n += 1
            if (index, n) == self.fail_at:
                raise ValueError(f"boom in thread {index}")
            slot.leave()
            if flags.measuring:
                self.measuring.set()
            time.sleep(0.001)

    def window_started(self) -> None:
        pass

    def window_ended(self) -> dict[str, Any]:
        return {}

    def locks(self) -> list[Any]:
        return []

    def stacks(self) -> dict[str, list[list[str]]]:
        return {}


@pytest.mark.timeout(120)
def test_a_worker_that_raises_ends_the_run_with_its_message() -> None:
    job = CountingJob(8, duration_s=30.0, fail_at=(3, 200))
    began = time.monotonic()
    result = run_child(job, census_rate_hz=100.0)
    assert time.monotonic() - began < 20, "the window ran on after the failure"
    assert result.data["worker_error"] == "worker 3: ValueError: boom in thread 3"
    experiment = Experiment(workload=workload({"threads": {"count": 8}}), store="mutex")
    with pytest.raises(RunFailed) as failed:
        build_profile(experiment, result)
    assert "worker 3: ValueError: boom in thread 3" in str(failed.value)
    assert failed.value.profile is not None
    assert any(n.startswith("failed: worker 3") for n in failed.value.profile.notes)


@pytest.mark.timeout(120)
def test_a_thread_that_cannot_start_fails_the_run_cleanly() -> None:
    job = CountingJob(20, duration_s=30.0, start_limit=12)
    result = run_child(job, census_rate_hz=100.0)
    error = result.data["worker_error"]
    assert error.startswith("could not start thread 13 of 20: can't start new thread")
    assert "--engine model" in error


@pytest.mark.timeout(120)
def test_ctrl_c_again_and_again_in_the_child_never_hangs_it() -> None:
    job = CountingJob(50, duration_s=60.0)
    sent = threading.Event()

    def press_ctrl_c() -> None:
        assert job.measuring.wait(60), "never measured"
        for _ in range(30):  # the child alone: this process keeps its own handlers
            try:
                os.kill(job.child_pid.value, signal.SIGINT)
            except ProcessLookupError:  # it reported and left: that is the point
                break
            time.sleep(0.001)  # paces the stimulus; nothing waits on it
        sent.set()

    presser = threading.Thread(target=press_ctrl_c, daemon=True)
    presser.start()
    began = time.monotonic()
    result = run_child(job, census_rate_hz=100.0)
    presser.join(timeout=10)
    assert sent.is_set()
    assert time.monotonic() - began < 40
    assert result.data["interrupted"] is True
    assert sum(result.data["thread_ops"]) > 0
