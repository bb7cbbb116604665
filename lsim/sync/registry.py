"""Process-wide numbering of locks, so a thread's state can name its lock with one integer."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class LockInfo:
    lock_id: int
    name: str
    kind: str  # "mutex" or "rwmutex"


_lock = threading.Lock()
_locks: list[LockInfo] = [LockInfo(0, "", "")]


def register_lock(name: str, kind: str) -> int:
    with _lock:
        lock_id = len(_locks)
        _locks.append(LockInfo(lock_id, name, kind))
        return lock_id


def lock_info(lock_id: int) -> LockInfo:
    return _locks[lock_id]


def registered_locks() -> list[LockInfo]:
    return list(_locks[1:])
