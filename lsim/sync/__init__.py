"""Locks with Go's semantics (``from lsim.sync import Mutex, RWMutex``).

* :mod:`lsim.sync.rules` — the rules as pure state machines (shared by both engines);
* :mod:`lsim.sync.locks` — real-thread locks driving those rules;
* :mod:`lsim.sync.states` — Go goroutine states and the per-thread slot the locks publish to;
* :mod:`lsim.sync.stats` — per-lock statistics (acquisitions, waits, holds, histogram).
"""

from lsim.sync.locks import Mutex, RWMutex
from lsim.sync.registry import LockInfo, lock_info, register_lock, registered_locks
from lsim.sync.rules import STARVATION_THRESHOLD_NS, Action, MutexRules, RWRules
from lsim.sync.states import (
    BLOCKED_STATES,
    NULL_SLOT,
    GoState,
    Operation,
    ThreadSlot,
    bind_slot,
    current_slot,
)
from lsim.sync.stats import LockStats

__all__ = [
    "BLOCKED_STATES",
    "NULL_SLOT",
    "STARVATION_THRESHOLD_NS",
    "Action",
    "GoState",
    "LockInfo",
    "LockStats",
    "Mutex",
    "MutexRules",
    "Operation",
    "RWMutex",
    "RWRules",
    "ThreadSlot",
    "bind_slot",
    "current_slot",
    "lock_info",
    "register_lock",
    "registered_locks",
]
