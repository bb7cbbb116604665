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
R_SPIN = 3  # its active spinning ran out
R_RGRANTED = 4  # a reader released by the writer's Unlock

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
        "wait_t0", "unl_op", "set_woken", "awoke", "t0", "pace_n", "ops", "ctx",
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
        self.awoke = False  # spinning after a normal-mode wake-up
        self.t0 = 0  # start time (pace periods count from here)
        self.pace_n = 0
        self.ops = 0  # store calls completed in the measured interval
        self.ctx: Any = None  # the program's per-goroutine state


class Proc:
    """A P: the goroutine on it, its ``runnext`` slot and the start of its time slice."""

    __slots__ = ("idx", "g", "runnext", "slice_t0", "steal_from")

    def __init__(self, idx: int) -> None:
        self.idx = idx
        self.g: Goroutine | None = None
        self.runnext: Goroutine | None = None
        self.slice_t0 = 0
        self.steal_from: Proc | None = None


class AtomicWord:
    """A shared word hit by atomic read-modify-writes (a cache line that moves between
    cores): operations on it serialise, each taking the item's cost."""

    __slots__ = ("name", "free_at", "ops", "stalled_ns")

    def __init__(self, name: str) -> None:
        self.name = name
        self.free_at = 0
        self.ops = 0
        self.stalled_ns = 0
