"""Other processes' CPU from /proc/stat minus the experiment's own (lsim.engine.machine)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lsim.engine.machine import (
    NOISY_FOREIGN_CORES,
    CpuReading,
    foreign_cores,
    foreign_cores_beside,
    is_noisy,
    own_cpu_s,
    read_cpu,
)
from lsim.engine.report import machine_facts, noise_note


def _fake_proc(root: Path, busy: tuple[int, ...], procs: dict[int, tuple[int, int]]) -> str:
    user, nice, system, irq, softirq, steal = busy
    (root / "stat").write_text(
        f"cpu  {user} {nice} {system} 999999 50 {irq} {softirq} {steal} 0 0\n"
        "cpu0 1 2 3 4 5 6 7 8 0 0\nintr 1\n"
    )
    for pid, (utime, stime) in procs.items():
        (root / str(pid)).mkdir(exist_ok=True)
        fields = ["S"] + ["0"] * 10 + [str(utime), str(stime)] + ["0"] * 30
        (root / str(pid) / "stat").write_text(f"{pid} (a (weird) name) " + " ".join(fields))
    return str(root)


def test_reads_busy_and_own_ticks(tmp_path: Path) -> None:
    proc = _fake_proc(tmp_path, (100, 10, 40, 5, 5, 0), {7: (30, 20), 8: (4, 1)})
    reading = read_cpu([7, 8, 12345], proc=proc)  # 12345 is gone: counted as nothing
    assert reading is not None
    assert reading.busy_ticks == 160  # idle and iowait are not busy
    assert reading.own_ticks == 55


def test_foreign_is_busy_minus_own_per_second() -> None:
    before = CpuReading(at=10.0, busy_ticks=1_000, own_ticks=400)
    after = CpuReading(at=12.0, busy_ticks=1_500, own_ticks=700)  # 2 s, 100 ticks/s
    assert foreign_cores(before, after, hz=100) == pytest.approx(1.0)
    # the experiment used everything: nothing foreign, never negative
    assert foreign_cores(before, CpuReading(12.0, 1_100, 600), hz=100) == 0.0


def test_foreign_beside_this_process_and_its_waited_children() -> None:
    before = CpuReading(at=10.0, busy_ticks=1_000, own_ticks=0)
    after = CpuReading(at=12.0, busy_ticks=1_500, own_ticks=0)  # 5 busy s in 2 s
    assert foreign_cores_beside(before, after, own_s=3.0, hz=100) == pytest.approx(1.0)
    assert foreign_cores_beside(before, after, own_s=9.0, hz=100) == 0.0  # never negative
    assert foreign_cores_beside(None, after, own_s=0.0) is None
    assert foreign_cores_beside(after, before, own_s=0.0) is None  # no time between


def test_own_cpu_counts_a_waited_child() -> None:
    import subprocess
    import sys

    start = own_cpu_s()
    subprocess.run([sys.executable, "-c", "sum(range(3_000_000))"], check=True)
    assert own_cpu_s() - start > 0.01


def test_unknown_without_proc(tmp_path: Path) -> None:
    assert read_cpu([1], proc=str(tmp_path / "missing")) is None
    assert foreign_cores(None, CpuReading(1.0, 1, 1)) is None
    assert not is_noisy(None)
    assert machine_facts(None)["noisy"] is False
    assert "unknown" in noise_note(None)


def test_noisy_threshold_and_note() -> None:
    assert not is_noisy(NOISY_FOREIGN_CORES / 2)
    assert is_noisy(NOISY_FOREIGN_CORES)
    facts = machine_facts(0.8)
    assert facts["foreign_cores"] == 0.8 and facts["noisy"] is True
    assert "0.80 cores" in noise_note(0.8) and "noisy" in noise_note(0.8)
    assert "noisy" not in noise_note(0.01)


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="needs Linux /proc")
def test_real_proc_reading() -> None:
    reading = read_cpu([os.getpid()])
    assert reading is not None and reading.busy_ticks > 0 and reading.own_ticks >= 0
