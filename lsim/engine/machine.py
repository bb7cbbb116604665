"""How busy the machine was with other work: ``/proc/stat`` minus the experiment's own CPU.

A run on a shared machine measures its neighbours too (issue 11: the same ``lsim run`` gave
0% blocked on a quiet machine and 99.7% with another process busy). So every measured
window records the machine's busy CPU time from ``/proc/stat`` and the CPU time of the
experiment's own processes (``/proc/<pid>/stat``: the parent that samples the census and the
child that runs the workers) at its two ends; what is left is other processes' use, in cores.

Off Linux (no ``/proc``) the readings are ``None`` and the foreign CPU is unknown, never 0.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

NOISY_FOREIGN_CORES = 0.25  # another process used a quarter of a core or more (as the go engine)
PROC = "/proc"


@dataclass(frozen=True)
class CpuReading:
    """One reading: wall clock, the machine's busy ticks, and the ticks of ``pids``."""

    at: float  # time.monotonic()
    busy_ticks: int  # every CPU's user+nice+system+irq+softirq+steal
    own_ticks: int  # utime+stime of the experiment's processes (all their threads)


def _busy_ticks(proc: str) -> int:
    with open(f"{proc}/stat", encoding="ascii") as f:
        first = f.readline().split()
    if not first or first[0] != "cpu":
        raise OSError(f"{proc}/stat: no aggregate cpu line")
    values = [int(v) for v in first[1:]]
    # user nice system idle iowait irq softirq steal (guest is counted inside user already)
    user, nice, system, _idle, _iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal


def _process_ticks(proc: str, pid: int) -> int:
    with open(f"{proc}/{pid}/stat", encoding="ascii", errors="replace") as f:
        text = f.read()
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def read_cpu(pids: Sequence[int], proc: str = PROC) -> CpuReading | None:
    """The machine's and ``pids``' CPU ticks now; ``None`` where ``/proc`` cannot be read."""
    try:
        busy = _busy_ticks(proc)
        own = 0
        for pid in pids:
            try:
                own += _process_ticks(proc, pid)
            except (FileNotFoundError, ProcessLookupError):
                continue  # gone already: it used no CPU we could count
    except (OSError, ValueError, IndexError):
        return None
    return CpuReading(time.monotonic(), busy, own)


def ticks_per_second() -> int:
    try:
        return int(os.sysconf("SC_CLK_TCK")) or 100
    except (ValueError, OSError, AttributeError):
        return 100


def foreign_cores(
    before: CpuReading | None, after: CpuReading | None, hz: int | None = None
) -> float | None:
    """Mean cores other processes kept busy between two readings (``None``: unknown)."""
    if before is None or after is None:
        return None
    elapsed = after.at - before.at
    if elapsed <= 0:
        return None
    hz = hz or ticks_per_second()
    busy = after.busy_ticks - before.busy_ticks
    own = after.own_ticks - before.own_ticks
    return max(0.0, (busy - own) / hz / elapsed)


def is_noisy(foreign: float | None) -> bool:
    return foreign is not None and foreign >= NOISY_FOREIGN_CORES


def own_cpu_s() -> float:
    """CPU seconds of this process and of its children that have been waited for (a
    subprocess.run's), as ``os.times`` counts them."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def foreign_cores_beside(
    before: CpuReading | None, after: CpuReading | None, own_s: float, hz: int | None = None
) -> float | None:
    """Mean cores other processes kept busy between two readings taken with no pids, given
    the ``own_s`` CPU seconds this process and its waited-for children used in between."""
    if before is None or after is None:
        return None
    hz = hz or ticks_per_second()
    own = before.own_ticks + round(own_s * hz)
    return foreign_cores(before, CpuReading(after.at, after.busy_ticks, own), hz)
