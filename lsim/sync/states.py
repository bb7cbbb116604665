"""Go's goroutine states and the store operations, as small integers.

Worker threads publish ``(state, operation, lock)`` triples so that a census taken from
another process can count them exactly. A thread binds a :class:`ThreadSlot` (the engine's
shared-memory board implements one); the locks write to it only on their slow paths, so the
uncontended path costs nothing extra.
"""

from __future__ import annotations

import threading
from enum import IntEnum
from typing import Protocol


class GoState(IntEnum):
    """What a goroutine dump would print in ``goroutine N [STATE]:``."""

    IDLE = 0  # slot not in use yet (thread not started) or finished
    RUNNING = 1
    RUNNABLE = 2
    MUTEX_LOCK = 3
    RWMUTEX_RLOCK = 4
    RWMUTEX_LOCK = 5
    SLEEP = 6

    @property
    def go_name(self) -> str:
        return _GO_NAMES[self]

    @property
    def blocked(self) -> bool:
        """Queued in a lock's waiter list (what the reference dump counts as blocked)."""
        return self in BLOCKED_STATES


_GO_NAMES = {
    GoState.IDLE: "idle",
    GoState.RUNNING: "running",
    GoState.RUNNABLE: "runnable",
    GoState.MUTEX_LOCK: "sync.Mutex.Lock",
    GoState.RWMUTEX_RLOCK: "sync.RWMutex.RLock",
    GoState.RWMUTEX_LOCK: "sync.RWMutex.Lock",
    GoState.SLEEP: "sleep",
}
BLOCKED_STATES = frozenset({GoState.MUTEX_LOCK, GoState.RWMUTEX_RLOCK, GoState.RWMUTEX_LOCK})
STATE_BY_GO_NAME = {name: state for state, name in _GO_NAMES.items()}


class Operation(IntEnum):
    """The store's operations, numbered; ``go_name`` is the method name in Alloy.

    1-8 are the labelstore's (``labelstore.Service``); 9-13 the per-Fanout series-ref
    mapping's (``appenders.SeriesRefMappingStore``, the ``directfanout`` design), which Alloy
    calls instead when the labelstore is disabled. ``cleanupStaleRefs`` is that store's
    background goroutine (lower-case in Go: unexported), one tick of it per call here.
    """

    NONE = 0
    GET_OR_ADD_GLOBAL_REF_ID = 1
    GET_LOCAL_REF_ID = 2
    ADD_LOCAL_LINK = 3
    REPLACE_LOCAL_LINK = 4
    GET_OR_ADD_LINK = 5
    TRACK_STALENESS = 6
    CHECK_AND_REMOVE_STALE_MARKERS = 7
    COLLECT = 8
    GET_MAPPING = 9
    CREATE_MAPPING = 10
    UPDATE_MAPPING = 11
    TRACK_APPENDED_SERIES = 12
    CLEANUP_STALE_REFS = 13

    @property
    def go_name(self) -> str:
        return _OP_GO_NAMES[self]


_OP_GO_NAMES = {
    Operation.NONE: "",
    Operation.GET_OR_ADD_GLOBAL_REF_ID: "GetOrAddGlobalRefID",
    Operation.GET_LOCAL_REF_ID: "GetLocalRefID",
    Operation.ADD_LOCAL_LINK: "AddLocalLink",
    Operation.REPLACE_LOCAL_LINK: "ReplaceLocalLink",
    Operation.GET_OR_ADD_LINK: "GetOrAddLink",
    Operation.TRACK_STALENESS: "TrackStaleness",
    Operation.CHECK_AND_REMOVE_STALE_MARKERS: "CheckAndRemoveStaleMarkers",
    Operation.COLLECT: "Collect",
    Operation.GET_MAPPING: "GetMapping",
    Operation.CREATE_MAPPING: "CreateMapping",
    Operation.UPDATE_MAPPING: "UpdateMapping",
    Operation.TRACK_APPENDED_SERIES: "TrackAppendedSeries",
    Operation.CLEANUP_STALE_REFS: "cleanupStaleRefs",
}
OPERATION_BY_GO_NAME = {name: op for op, name in _OP_GO_NAMES.items() if name}
# The two write paths' calls: a design makes the calls of one of them (``LabelStore.calls``).
LABELSTORE_OPERATIONS = frozenset(op for op in Operation if 1 <= op <= 8)
FANOUT_OPERATIONS = frozenset(op for op in Operation if op >= 9)
LABELSTORE_BY_GO_NAME = {op.go_name: op for op in sorted(LABELSTORE_OPERATIONS)}


class ThreadSlot(Protocol):
    """Where one thread publishes its Go state. ``op`` is the operation it is in."""

    op: int

    def set_state(self, state: int, lock_id: int = 0) -> None: ...


class _NullSlot:
    """Used when no census is attached: publishing is a no-op."""

    op = 0

    def set_state(self, state: int, lock_id: int = 0) -> None:
        return None


NULL_SLOT: ThreadSlot = _NullSlot()


class Waiter:
    """One thread's parking place, reused for every wait that thread does.

    ``since_ns`` is when the current wait began (the lock rules read it for the 1 ms
    starvation threshold); ``outcome`` is set by the thread that wakes it.
    """

    __slots__ = ("sem", "slot", "since_ns", "outcome", "thread_name")

    def __init__(self, slot: ThreadSlot) -> None:
        self.sem = threading.Lock()
        self.sem.acquire()  # held: acquire() parks until a waker releases it
        self.slot = slot
        self.since_ns = 0
        self.outcome = 0
        self.thread_name = threading.current_thread().name

    def park(self) -> None:
        self.sem.acquire()

    def unpark(self, outcome: int) -> None:
        """Called by the waker (under the lock's guard): the waiter is now runnable."""
        self.outcome = outcome
        self.slot.set_state(GoState.RUNNABLE)
        self.sem.release()


_local = threading.local()


def bind_slot(slot: ThreadSlot) -> None:
    """Attach the calling thread to a census slot (or detach with ``NULL_SLOT``)."""
    _local.slot = slot
    _local.waiter = Waiter(slot)


def current_slot() -> ThreadSlot:
    slot: ThreadSlot | None = getattr(_local, "slot", None)
    return slot if slot is not None else NULL_SLOT


def current_waiter() -> Waiter:
    waiter: Waiter | None = getattr(_local, "waiter", None)
    if waiter is None:
        waiter = Waiter(current_slot())
        _local.waiter = waiter
    return waiter
