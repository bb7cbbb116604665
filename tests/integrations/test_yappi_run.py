"""yappi inside a real experiment process, and on threads that already run when it starts."""

from __future__ import annotations

import pstats
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lsim.engine.run import run_threads
from lsim.integrations.yappi import start_yappi, stop_yappi, yappi_overhead
from lsim.sync import RWMutex
from tests.integrations.helpers import THREADS, small_experiment

pytestmark = pytest.mark.timeout(120)


def functions_in(pstat_path: str) -> dict[str, Any]:
    """pstats entries by function name (the saved file must load with the stdlib)."""
    stats = pstats.Stats(pstat_path)
    table: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    return {name: entry for (_, _, name), entry in table.items()}


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll an observable condition (a lock's queue length) with a deadline."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        threading.Event().wait(0.001)


def test_experiment_process_mutex_waits_under_go_names(tmp_path: Path) -> None:
    experiment = small_experiment("mutex", duration_s=1.0, yappi_dir=str(tmp_path))
    got = run_threads(experiment).integrations["yappi"]

    functions = functions_in(got["pstat"])
    assert {"sync.(*Mutex).Lock", "sync.(*Mutex).lockSlow", "sync.runtime_Semacquire"} <= set(
        functions
    )
    assert not {"Mutex.lock", "Mutex._lock_slow", "Waiter.park"} & set(functions)
    # renamed consistently: pstats still links the park to the slow path that called it
    callers = functions["sync.runtime_Semacquire"][4]
    assert "sync.(*Mutex).lockSlow" in {name for (_, _, name) in callers}
    callgrind = Path(got["callgrind"]).read_text()
    assert callgrind.startswith("version: 1") and "sync.(*Mutex).Lock" in callgrind
    # the workers were running before yappi started, and are profiled all the same
    assert got["threads"] >= THREADS
    assert len(Path(got["threads_file"]).read_text().splitlines()) == got["threads"] + 1
    waits = got["lock_waits"]["sync.Mutex.Lock"]
    assert waits["waits"] > 0 and waits["wait_s"] > 0
    assert got["clock"] == "wall" and "GIL" in got["note"]
    totals = [row["total_s"] for row in got["top_functions"]]
    assert totals == sorted(totals, reverse=True)


def test_rlock_waits_of_already_running_threads(tmp_path: Path) -> None:
    rw = RWMutex("test.rw")
    go = threading.Event()
    readers = 4

    def reader() -> None:
        go.wait()
        rw.rlock()
        rw.runlock()

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(readers)]
    for t in threads:
        t.start()  # before yappi starts, as the experiment's workers are
    start_yappi()
    try:
        rw.lock()
        go.set()
        wait_until(lambda: rw.waiters() == readers)  # every reader is parked on RLock
        rw.unlock()
        for t in threads:
            t.join(10)
    finally:
        got = stop_yappi(tmp_path)
    assert got["lock_waits"]["sync.RWMutex.RLock"]["waits"] == readers
    functions = functions_in(got["pstat"])
    assert functions["sync.(*RWMutex).RLock"][1] == readers  # primitive calls
    assert "RWMutex.rlock" not in functions


def test_overhead_is_the_share_of_throughput_lost() -> None:
    assert yappi_overhead(1000.0, 400.0) == pytest.approx(0.6)
    assert yappi_overhead(1000.0, 1010.0) == pytest.approx(-0.01)  # noise is not hidden
    with pytest.raises(ValueError):
        yappi_overhead(0.0, 10.0)
