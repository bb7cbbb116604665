"""The machine's limits are measured, with the binding one named (issue 14, item 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsim import limits
from lsim.limits import measure_thread_limit, thread_limit


def _fake_proc(monkeypatch: pytest.MonkeyPatch, values: dict[str, int | None]) -> None:
    real = limits._read_int

    def read_int(path: str | Path) -> int | None:
        return values[str(path)] if str(path) in values else real(path)

    monkeypatch.setattr(limits, "_read_int", read_int)


def test_the_limit_is_measured_here_and_names_its_reason() -> None:
    limit = measure_thread_limit()
    assert 0 < limit.threads < 10**7
    assert limit.reason
    assert thread_limit() == thread_limit()  # cached: measured once per process


def test_max_map_count_bounds_threads_at_three_mappings_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_proc(
        monkeypatch,
        {
            "/proc/sys/vm/max_map_count": 65_530,
            "/proc/sys/kernel/pid_max": 4_194_304,
            "/proc/sys/kernel/threads-max": 4_194_304,
        },
    )
    monkeypatch.setattr(limits, "_own_mappings", lambda: 300)
    monkeypatch.setattr(limits, "_cgroup_pids", lambda: None)
    limit = measure_thread_limit()
    # 21,800 crashed on the development machine and 21,700 worked: the limit is below both
    assert limit.threads == (65_530 - 300 - limits.MAP_RESERVE) // 3
    assert limit.threads < 21_700
    assert "vm.max_map_count 65,530" in limit.reason


def test_pid_max_and_the_cgroup_bound_it_when_smaller(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_proc(
        monkeypatch,
        {
            "/proc/sys/vm/max_map_count": 10**9,
            "/proc/sys/kernel/pid_max": 5_000,
            "/proc/sys/kernel/threads-max": 10**9,
        },
    )
    monkeypatch.setattr(limits, "_tasks_on_machine", lambda: 1_000)
    monkeypatch.setattr(limits, "_cgroup_pids", lambda: None)
    limit = measure_thread_limit()
    assert limit.threads == 5_000 - 1_000 - limits.TASK_RESERVE
    assert "kernel.pid_max 5,000" in limit.reason
    monkeypatch.setattr(limits, "_cgroup_pids", lambda: (2_000, 100))
    limit = measure_thread_limit()
    assert limit.threads == 2_000 - 100 - limits.TASK_RESERVE
    assert "cgroup pids.max 2,000" in limit.reason


def test_nothing_readable_still_gives_a_finite_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "_read_int", lambda path: None)
    monkeypatch.setattr(limits, "_tasks_on_machine", lambda: None)
    monkeypatch.setattr(limits, "_cgroup_pids", lambda: None)
    monkeypatch.setattr(limits.os, "geteuid", lambda: 0)
    limit = measure_thread_limit()
    assert limit.threads == limits.THREAD_CEILING


def test_available_memory_is_positive() -> None:
    available = limits.available_memory()
    assert available is None or available > 0
