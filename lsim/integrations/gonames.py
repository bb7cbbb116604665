"""Go names for lsim's lock frames, as py-spy and yappi see them.

Both profilers name a frame by the Python function it runs. A thread waiting for an lsim
``Mutex`` shows, innermost first, ``Waiter.park`` <- ``Mutex._lock_slow`` <- ``Mutex.lock``
(checked against py-spy 0.4 and yappi 1.7 on CPython 3.11). Those are recognisable to a
Python reader but not to someone holding a Go goroutine dump, so this module renames them
to the frames Go itself shows for the same wait (``sync.runtime_SemacquireMutex`` <-
``sync.(*Mutex).lockSlow`` <- ``sync.(*Mutex).Lock``), the same names lsim's own goroutine
and pprof renderers use. Only frames from ``lsim/sync`` are touched, so a store method that
happens to be called ``lock`` is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

SYNC_FILES = ("lsim/sync/locks.py", "lsim/sync/states.py")

# Python qualname in lsim.sync -> the Go function that plays the same part.
GO_FUNCTIONS: dict[str, str] = {
    "Mutex.lock": "sync.(*Mutex).Lock",
    "Mutex._lock_slow": "sync.(*Mutex).lockSlow",
    "Mutex.try_lock": "sync.(*Mutex).TryLock",
    "Mutex.unlock": "sync.(*Mutex).Unlock",
    "Mutex._unlock_slow": "sync.(*Mutex).unlockSlow",
    "Mutex._wake_after_release": "sync.(*Mutex).unlockSlow",
    "RWMutex.rlock": "sync.(*RWMutex).RLock",
    # Go parks inside RLock/Lock themselves; lsim splits the parking into a helper.
    "RWMutex._rlock_slow": "sync.(*RWMutex).rlockSlow",
    "RWMutex.try_rlock": "sync.(*RWMutex).TryRLock",
    "RWMutex.runlock": "sync.(*RWMutex).RUnlock",
    "RWMutex.lock": "sync.(*RWMutex).Lock",
    "RWMutex._lock_slow": "sync.(*RWMutex).lockSlow",
    "RWMutex.try_lock": "sync.(*RWMutex).TryLock",
    "RWMutex.unlock": "sync.(*RWMutex).Unlock",
    "Waiter.unpark": "sync.runtime_Semrelease",
}
PARK = "Waiter.park"
# Where a thread parks decides what Go calls the wait: (runtime frame, goroutine state).
PARK_BY_CALLER: dict[str, tuple[str, str]] = {
    "Mutex._lock_slow": ("sync.runtime_SemacquireMutex", "sync.Mutex.Lock"),
    "RWMutex._rlock_slow": ("sync.runtime_SemacquireRWMutexR", "sync.RWMutex.RLock"),
    "RWMutex._lock_slow": ("sync.runtime_SemacquireRWMutex", "sync.RWMutex.Lock"),
}
# yappi keeps one entry per function, not per caller, so its park entry gets the family name.
PARK_ANY_CALLER = "sync.runtime_Semacquire"
LOCK_WAIT_STATES = tuple(state for _, state in PARK_BY_CALLER.values())
# ``with m:`` plumbing: Go code calls ``m.Lock()`` directly, so stacks read better without it.
WRAPPERS = frozenset(
    f"{cls}.{method}"
    for cls in ("Mutex", "RWMutex", "_ReadSide")
    for method in ("__enter__", "__exit__")
)

_FRAME = re.compile(r"^(?P<name>.*) \((?P<loc>[^()]*)\)$")


def is_sync_file(path: str) -> bool:
    """Whether ``path`` (full, or py-spy's short package path) is one of lsim's lock files."""
    path = path.replace("\\", "/")
    return any(path == f or path.endswith("/" + f) for f in SYNC_FILES)


def go_function(name: str, path: str) -> str | None:
    """The Go name for a frame seen without its caller (yappi), or None to keep it."""
    if not is_sync_file(path):
        return None
    if name == PARK:
        return PARK_ANY_CALLER
    return GO_FUNCTIONS.get(name)


def split_frame(frame: str) -> tuple[str, str]:
    """``'Mutex.lock (lsim/sync/locks.py:70)'`` -> ``('Mutex.lock', 'lsim/sync/locks.py:70')``."""
    match = _FRAME.match(frame)
    if match is None:
        return frame, ""
    return match.group("name"), match.group("loc")


def path_of(loc: str) -> str:
    """``'lsim/sync/locks.py:70'`` -> ``'lsim/sync/locks.py'``."""
    path, _, line = loc.rpartition(":")
    return path if line.isdigit() else loc


def go_stack(frames: Sequence[str]) -> list[str]:
    """Rename the lock frames of one py-spy stack (root first, ``name (file:line)`` each)."""
    out: list[str] = []
    caller = ""  # the last lsim.sync function seen, under its Python name
    for frame in frames:
        name, loc = split_frame(frame)
        if not loc or not is_sync_file(path_of(loc)):
            out.append(frame)
            continue
        if name in WRAPPERS:
            continue
        if name == PARK:
            go = PARK_BY_CALLER.get(caller, (PARK_ANY_CALLER, ""))[0]
        else:
            go = GO_FUNCTIONS.get(name, name)
        caller = name
        out.append(f"{go} ({loc})")
    return out


def lock_wait_state(innermost_first: Sequence[tuple[str, str]]) -> str | None:
    """The goroutine state (``sync.Mutex.Lock``, ...) of a thread whose innermost Python
    frames are these ``(qualname, file)`` pairs, or None when it is not parked in an lsim
    lock's queue (a thread still taking a lock's internal guard is not queued yet)."""
    if len(innermost_first) < 2:
        return None
    (leaf, leaf_file), (caller, caller_file) = innermost_first[0], innermost_first[1]
    if leaf != PARK or not (is_sync_file(leaf_file) and is_sync_file(caller_file)):
        return None
    found = PARK_BY_CALLER.get(caller)
    return found[1] if found else None
