"""Limits of the machine lsim runs on, measured when first asked (DESIGN.md §5).

They are checked up front so that a run over a limit fails with a message that names it,
instead of hanging or crashing half-way. The thread limit is not a constant: it is the
smallest of what the kernel would let this process start (memory mappings, process ids,
the per-user and cgroup task limits), measured once per process with a safety margin.
"""

from __future__ import annotations

import functools
import os
import resource
from dataclasses import dataclass
from pathlib import Path

THREAD_STACK_BYTES = 256 * 1024
RSS_PER_THREAD_BYTES = 16 * 1024
MAX_SHARDS = 256  # the shard index lives in the top 8 bits of a global id
PYSPY_MAX_THREADS = 4_096  # py-spy refuses processes with more Python threads
MAX_GOROUTINES_MODEL = 1_000_000  # the model engine's own sanity bound

# Measured: each Python thread with a 256 KiB stack adds 3 memory mappings (stack, guard
# page, and its share of malloc arenas); vm.max_map_count bounds the mappings of a process.
MAPS_PER_THREAD = 3
MAP_RESERVE = 512  # mappings left for malloc arenas, the state board, libraries loaded late
TASK_RESERVE = 64  # process ids / tasks left for everything else on the machine
THREAD_CEILING = 1_000_000  # when nothing can be read (not Linux): still a finite bound


@dataclass(frozen=True)
class ThreadLimit:
    """How many worker threads one experiment process can start, and what bounds it."""

    threads: int
    reason: str  # the binding limit, with its numbers ("vm.max_map_count 65,530 ...")


def _read_int(path: str | Path) -> int | None:
    try:
        text = Path(path).read_text().split()[0]
    except (OSError, IndexError):
        return None
    if text == "max":
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _own_mappings() -> int:
    try:
        with open("/proc/self/maps", "rb") as maps:
            return sum(1 for _ in maps)
    except OSError:
        return 0


def _tasks_on_machine() -> int | None:
    """Every task (process or thread) the kernel schedules: field 4 of /proc/loadavg."""
    try:
        field = Path("/proc/loadavg").read_text().split()[3]
        return int(field.split("/")[1])
    except (OSError, IndexError, ValueError):
        return None


def _tasks_of_user(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            status = Path(entry.path, "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        try:
            if int(fields.get("Uid", "-1").split()[0]) == uid:
                count += int(fields.get("Threads", "1").strip())
        except (ValueError, IndexError):
            continue
    return count


def _cgroup_pids() -> tuple[int, int] | None:
    """(pids.max, pids.current) of this process's cgroup, v2 or v1, when limited."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            base = Path("/sys/fs/cgroup") / path.lstrip("/")
        elif "pids" in controllers.split(","):
            base = Path("/sys/fs/cgroup/pids") / path.lstrip("/")
        else:
            continue
        limit, current = _read_int(base / "pids.max"), _read_int(base / "pids.current")
        if limit is not None and current is not None:
            return limit, current
    return None


def measure_thread_limit() -> ThreadLimit:
    """Measure now (see :func:`thread_limit` for the cached value)."""
    candidates: list[tuple[int, str]] = []
    max_maps = _read_int("/proc/sys/vm/max_map_count")
    if max_maps is not None:
        own = _own_mappings()
        n = (max_maps - own - MAP_RESERVE) // MAPS_PER_THREAD
        candidates.append(
            (
                n,
                f"vm.max_map_count {max_maps:,}, {own:,} mappings in use, ~{MAPS_PER_THREAD} "
                "mappings per thread",
            )
        )
    tasks = _tasks_on_machine()
    if tasks is not None:
        for path, name in (
            ("/proc/sys/kernel/pid_max", "kernel.pid_max"),
            ("/proc/sys/kernel/threads-max", "kernel.threads-max"),
        ):
            value = _read_int(path)
            if value is not None:
                n = value - tasks - TASK_RESERVE
                candidates.append((n, f"{name} {value:,}, {tasks:,} tasks running"))
    soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    if soft != resource.RLIM_INFINITY and os.geteuid() != 0:
        mine = _tasks_of_user(os.geteuid())
        candidates.append(
            (soft - mine - TASK_RESERVE, f"ulimit -u (RLIMIT_NPROC) {soft:,}, {mine:,} in use")
        )
    pids = _cgroup_pids()
    if pids is not None:
        limit, current = pids
        candidates.append(
            (limit - current - TASK_RESERVE, f"cgroup pids.max {limit:,}, {current:,} in use")
        )
    if not candidates:
        return ThreadLimit(THREAD_CEILING, "no limit readable on this system")
    n, reason = min(candidates)
    return ThreadLimit(max(0, min(n, THREAD_CEILING)), reason)


@functools.cache
def thread_limit() -> ThreadLimit:
    """The thread limit measured the first time it is needed in this process."""
    return measure_thread_limit()


def max_threads() -> int:
    return thread_limit().threads


def available_memory() -> int | None:
    """Bytes that can be allocated now: MemAvailable, or the cgroup's room if smaller."""
    found: list[int] = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
                break
    except (OSError, ValueError, IndexError):
        pass
    for limit_path, usage_path in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        limit, usage = _read_int(limit_path), _read_int(usage_path)
        if limit is not None and usage is not None and limit < 1 << 60:
            found.append(max(0, limit - usage))
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError):
            return None
    return min(found)
