"""yappi inside a real experiment process (started after the workers already run)."""

from __future__ import annotations

import pstats
from pathlib import Path

import pytest

from lsim.engine.run import run_threads
from lsim.integrations.yappi import yappi_overhead
from tests.integrations.conftest import THREADS, small_experiment

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize(
    ("store", "wait_state", "go_function"),
    [
        ("mutex", "sync.Mutex.Lock", "sync.(*Mutex).Lock"),
        ("rwmutex", "sync.RWMutex.RLock", "sync.(*RWMutex).RLock"),
    ],
)
def test_yappi_names_lock_waits_like_go(
    tmp_path: Path, store: str, wait_state: str, go_function: str
) -> None:
    experiment = small_experiment(store, duration_s=1.0, yappi_dir=str(tmp_path))
    got = run_threads(experiment).integrations["yappi"]

    stats = pstats.Stats(got["pstat"])
    functions = {name for (_, _, name) in stats.stats}  # type: ignore[attr-defined]
    assert go_function in functions
    assert not {"Mutex.lock", "Mutex._lock_slow", "Waiter.park"} & functions
    callgrind = Path(got["callgrind"]).read_text()
    assert callgrind.startswith("version: 1") and go_function in callgrind
    # threads that were running before yappi started are profiled too
    assert got["threads"] >= THREADS
    assert len(Path(got["threads_file"]).read_text().splitlines()) == got["threads"] + 1
    assert got["lock_waits"][wait_state]["waits"] > 0
    assert got["lock_waits"][wait_state]["wait_s"] > 0
    assert got["clock"] == "wall" and "GIL" in got["note"]
    assert got["top_functions"][0]["total_s"] >= got["top_functions"][-1]["total_s"]


def test_overhead_is_the_share_of_throughput_lost() -> None:
    assert yappi_overhead(1000.0, 400.0) == pytest.approx(0.6)
    assert yappi_overhead(1000.0, 1010.0) == pytest.approx(-0.01)  # noise is not hidden
    with pytest.raises(ValueError):
        yappi_overhead(0.0, 10.0)
