"""The vocabulary of the model engine: work items, goroutine and P records, census keys.

A goroutine executes a list of *items*, ``(kind, a, b)`` tuples compiled from one plan step
by :mod:`lsim.engine.model.program`. Tuples of small ints are used instead of objects because
the event loop touches millions of them: a tuple unpack and an int compare are the cheapest
dispatch CPython has.

=========  =====================  ===============================================
kind       a                      b
=========  =====================  ===============================================
CPU        nanoseconds            -- (work on a P: outside work or critical section)
LOCK       lock driver            mode (WRITE, READ, ANNOUNCE for an RWMutex writer)
UNLOCK     lock driver            mode
OP         Operation (int)        shard (-1 none): the goroutine enters a store call
END        --                     -- : the store call returns (latency recorded)
SLEEP      nanoseconds            -- (think time: off the P, state ``sleep``)
PACE       period (ns)            -- (sleep until the goroutine's next period)
ATOMIC     :class:`AtomicWord`    nanoseconds (one contended atomic/CAS on a shared word)
SPAWN      goroutine              -- (burst mode: ``go f()`` by the benchmark's main)
WAIT       --                     -- (burst mode: ``wg.Wait()`` by main)
EXIT       --                     -- (the plan is done: the goroutine exits)
=========  =====================  ===============================================
"""

from __future__ import annotations

from collections import deque
from typing import Any

from lsim.sync.states import GoState, Operation

CPU, LOCK, UNLOCK, OP, END, SLEEP, PACE, ATOMIC, SPAWN, WAIT, EXIT = range(11)
Item = tuple[int, Any, int]

# Lock modes.
WRITE, READ, ANNOUNCE = 0, 1, 2

# What a goroutine does first when it runs again (set by whoever made it runnable).
R_NONE = 0
R_GRANTED = 1  # a lock was handed to it (starvation hand-off, readers drained, writer left)
R_WOKEN = 2  # woken from a mutex queue in normal mode: compete again
R_SPIN = 3  # one round of active spinning ended: it reads the mutex state again
R_RGRANTED = 4  # a reader released by the writer's Unlock
R_OWNED = 5  # it owns the lock and stalled on a cache line that was on another P
R_SLOW = 6  # its fast-path CAS failed on a line from another P: lockSlow reads the state

# Census keys: one int per goroutine encodes (state, operation, lock, runnable-in-Unlock), so
# a census sample is a C-speed ``Counter`` over a list of ints.
NOPS = len(Operation)
IDLE, RUNNING, RUNNABLE = int(GoState.IDLE), int(GoState.RUNNING), int(GoState.RUNNABLE)
MUTEX_LOCK, RWMUTEX_RLOCK = int(GoState.MUTEX_LOCK), int(GoState.RWMUTEX_RLOCK)
RWMUTEX_LOCK, SLEEPING = int(GoState.RWMUTEX_LOCK), int(GoState.SLEEP)


def census_key(state: int, op: int, lock_id: int, in_unlock: int, nlocks: int) -> int:
    return (state * NOPS + op) * nlocks * 2 + lock_id * 2 + in_unlock


def decode_key(key: int, nlocks: int) -> tuple[int, int, int, int]:
    """``(state, op, lock_id, in_unlock)``."""
    rest, in_unlock = divmod(key, 2)
    rest, lock_id = divmod(rest, nlocks)
    state, op = divmod(rest, NOPS)
    return state, op, lock_id, in_unlock


class Goroutine:
    """One goroutine. ``ev`` is the sequence number of its only valid pending event."""

    __slots__ = (
        "id", "items", "pc", "p", "ev", "resume", "wlock", "since_ns", "op", "op_t0",
        "wait_t0", "unl_op", "set_woken", "awoke", "spin_iter", "lastp", "t0", "pace_n", "ops",
        "ctx", "preempt", "last_run", "last_run_here",
    )  # fmt: skip

    def __init__(self, gid: int) -> None:
        self.id = gid
        self.items: list[Item] = []
        self.pc = 0
        self.p: Proc | None = None
        self.ev = -1
        self.resume = R_NONE
        self.wlock: Any = None  # the lock driver it waits or spins on
        self.since_ns = 0  # the lock rules' wait start (Go's waitStartTime)
        self.op = 0
        self.op_t0 = 0
        self.wait_t0 = 0  # first park of the current acquisition (0: has not parked)
        self.unl_op = 0  # operation of the goroutine whose unlock woke it
        self.set_woken = False  # a spinner that set the mutex's woken flag
        self.awoke = False  # has queued before in this acquisition (Go: waitStartTime != 0)
        self.spin_iter = 0  # spin rounds done in this attempt (Go's ``iter``)
        self.lastp: Proc | None = None  # the P it last ran on (its timers live there)
        self.t0 = 0  # start time (pace periods count from here)
        self.pace_n = 0
        self.ops = 0  # store calls completed in the measured interval
        self.ctx: Any = None  # the program's per-goroutine state
        self.preempt = False  # sysmon asked it to stop at its next work item (gp.preempt)
        self.last_run = 0  # the scheduler's switch count when it last ran (resume.py)
        self.last_run_here = 0  # ... and its P's (``lastp``) switch count


class Proc:
    """A P (Go's ``p``): the goroutine on it, ``runnext``, the local run queue, ``schedtick``,
    the timers that fired while it was busy, and whether its M is spinning (looking for work
    without a goroutine: woken by ``wakep``, or backing off before stealing a ``runnext``)."""

    __slots__ = ("idx", "g", "runnext", "runq", "schedtick", "timers", "spinning",
                 "backoff", "switches")  # fmt: skip

    def __init__(self, idx: int) -> None:
        self.idx = idx
        self.g: Goroutine | None = None
        self.runnext: Goroutine | None = None
        self.runq: deque[Goroutine] = deque()
        self.schedtick = 0  # goroutines started without inheriting a slice (sysmon reads it)
        self.timers: list[Goroutine] = []  # sleepers whose timer fired; run at next schedule
        self.spinning = False
        self.backoff = False  # its M sleeps in usleep(3) before taking a running P's runnext
        self.switches = 0  # goroutines started on this P (resume.py's near distance)


class AtomicWord:
    """A shared word hit by atomic read-modify-writes (a cache line that moves between
    cores): operations on it serialise, each taking the item's cost, plus one line transfer
    when the last one ran on another P."""

    __slots__ = ("name", "free_at", "ops", "stalled_ns", "last_p", "moves")

    def __init__(self, name: str) -> None:
        self.name = name
        self.free_at = 0
        self.ops = 0
        self.stalled_ns = 0
        self.last_p = -1
        self.moves = 0
