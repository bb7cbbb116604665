"""Full Go stacks for a thread in a given (state, operation, lock), shared by all renderers.

A stack is a list of :class:`Frame`, LEAF FIRST (the order Go prints and pprof stores):
the frames of the lock wait (or unlock, or the scrape loop's select) on top, then the
store's frames from ``Profile.stacks[operation]`` (innermost first), then Alloy's callers
down to the scrape loop. ``runtime=True`` adds the runtime's own frames a goroutine is
parked under (``runtime.gopark`` ...), which a goroutine profile keeps and a ``debug=2``
dump hides (``gorelease`` module doc). Addresses and ``+0x`` offsets come from the real
binary where known, else from a stable hash of the function (and line), so the same
profile always renders to the same bytes.
"""

from __future__ import annotations

import zlib

from lsim.errors import ConfigError
from lsim.profile.model import CensusCell, Profile, SampledThread, is_blocked_state
from lsim.render.frames import CALLERS, Frame, package_of, source_path
from lsim.render.gorelease import CURRENT, GoRelease, release
from lsim.stores.base import GO_FILE, GO_PACKAGE

DEFAULT_GO_VERSION = CURRENT.name  # the release Alloy builds with
TEXT_BASE = 0x401000  # where a Go binary's text usually starts
TEXT_LIMIT = TEXT_BASE + 0x1000000  # room for every hashed entry point below


def stable_hash(text: str) -> int:
    return zlib.crc32(text.encode())


def pc_offset(fr: Frame) -> int:
    """The ``+0x..`` after a frame in a ``debug=2`` dump (return address - entry): the real
    one where the table has it, else a plausible offset, stable per call site."""
    return fr.offset or 0x10 + stable_hash(f"{fr.function}:{fr.line}") % 0x2F0


def entry_pc(function: str) -> int:
    return TEXT_BASE + (stable_hash(function) % 0x3FFF0) * 0x40


def return_pc(fr: Frame) -> int:
    """The frame's return address: what ``debug=1``'s ``@`` list shows."""
    return entry_pc(fr.function) + pc_offset(fr)


def frame_pc(fr: Frame) -> int:
    """The call's own PC (return address - 1): a profile location's address and the PC of
    ``debug=1``'s ``#`` lines, as ``runtime.CallersFrames`` gives it."""
    return return_pc(fr) - 1


def parse_go_version(version: str) -> tuple[int, int]:
    """``"1.21.3"``/``"go1.19"`` -> ``(1, 21)``; raises ValueError on anything else."""
    text = version.removeprefix("go")
    parts = text.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise ConfigError(f"go_version must look like 1.21, got {version!r}") from None


def go_release(go_version: str) -> GoRelease:
    """The per-release table (frames, wait reasons, profile accounting) for a version."""
    return release(parse_go_version(go_version))


def new_sema_names(go_version: str) -> bool:
    """Go 1.20 split the lock-wait states and semaphore functions by lock kind."""
    return parse_go_version(go_version) >= (1, 20)


def store_frames(profile: Profile, operation: str) -> list[Frame]:
    """The design's own frames for ``operation``, leaf (the lock caller) first.

    Falls back to the original single ``(*Service)`` method when the engine recorded no
    stack for it, so a dump never has a thread with a hole in the middle.
    """
    pairs = profile.stacks.get(operation)
    if not pairs:
        pairs = [[f"{GO_PACKAGE}.(*Service).{operation}", f"{GO_FILE}:1"]]
    frames = []
    for function, where in pairs:
        file, _, line = where.rpartition(":")
        frames.append(Frame(function, source_path(package_of(function), file), int(line or 0)))
    return frames[::-1]


WAITING_FOR_SCRAPE = frozenset({"sleep", "idle"})  # a scrape loop between scrapes: in select


def caller_frames(operation: str, state: str = "") -> list[Frame]:
    """Alloy's frames below the store (leaf first); unknown operations use the scrape path."""
    if state in WAITING_FOR_SCRAPE:
        return CALLERS["<wait>"][::-1]
    return CALLERS.get(operation, CALLERS["GetOrAddGlobalRefID"][:-2])[::-1]


def lock_kind(profile: Profile, lock: str, state: str = "") -> str:
    """``mutex`` or ``rwmutex`` for a lock name (from the lock table, else from the state)."""
    for report in profile.locks:
        if report.name == lock:
            return report.kind
    return "rwmutex" if state.startswith("sync.RWMutex") else "mutex"


def wait_state(kind: str, mode: str) -> str:
    """The dump state a waiter of this lock side shows."""
    if kind == "rwmutex":
        return "sync.RWMutex.RLock" if mode == "read" else "sync.RWMutex.Lock"
    return "sync.Mutex.Lock"


def unlock_frames(
    kind: str, mode: str, *, full: bool = True, go_version: str = DEFAULT_GO_VERSION
) -> list[Frame]:
    """Unlock path, leaf first; ``full=False`` keeps only the public Unlock/RUnlock frame
    (Go's mutex profile charges the delay there, skipping the runtime frames)."""
    table = go_release(go_version).unlock
    frames = table.get((kind, mode), table[("mutex", "write")])
    return frames if full else frames[-1:]


def thread_stack(
    profile: Profile,
    state: str,
    operation: str,
    lock: str = "",
    *,
    in_unlock: bool = False,
    woken: str = "",
    go_version: str = DEFAULT_GO_VERSION,
    runtime: bool = False,
) -> list[Frame]:
    """The whole stack of one goroutine, leaf first. ``woken``: the wait a runnable
    goroutine was just woken from, a lock wait or the scrape loop's (``sleep``): its frames
    stay on top until it runs; ``runtime``: with the runtime frames it is parked under (see
    module doc)."""
    table = go_release(go_version)
    if state in WAITING_FOR_SCRAPE or woken in WAITING_FOR_SCRAPE:
        select = table.park["select"] if runtime else []
        return [*select, *caller_frames(operation, "sleep")]
    callers = caller_frames(operation, state)
    top: list[Frame] = []
    wait = table.lock_wait.get(woken or state)
    if wait is not None:
        top = [*(table.park["semacquire"] if runtime else []), *wait]
    elif in_unlock and operation:
        kind = lock_kind(profile, lock, state)
        top = [
            *(table.park["semrelease"] if runtime else []),
            *unlock_frames(kind, "write", go_version=go_version),
        ]
    middle = store_frames(profile, operation) if operation else []
    return [*top, *middle, *callers]


def usual_waits(profile: Profile) -> dict[str, str]:
    """The wait each operation's goroutines show most in the census: for an operation its
    commonest lock wait, for ``""`` (outside the store) ``sleep`` when the workload waits
    between batches."""
    seen: dict[str, dict[str, int]] = {}
    for cell in profile.census:
        if is_blocked_state(cell.state) and cell.operation or cell.state == "sleep":
            per = seen.setdefault(cell.operation, {})
            per[cell.state] = per.get(cell.state, 0) + cell.thread_samples
    return {op: max(per, key=lambda s: per[s]) for op, per in seen.items()}


def woken_from(profile: Profile, thread: SampledThread, waits: dict[str, str] | None = None) -> str:
    """The wait a ``runnable`` goroutine was just woken from ("" when none).

    The go engine's census reads it from the real dump (``SampledThread.woken``). The
    threads and model engines do not record it, but there a runnable thread inside an
    operation, not in Unlock, is one a lock's Unlock has just made runnable, and one
    outside the store in a paced workload one whose timer has just fired: each is given the
    wait its operation's goroutines show (``waits``: :func:`usual_waits`).
    """
    if thread.state != "runnable" or thread.in_unlock:
        return ""
    if profile.engine == "go":
        return thread.woken
    waits = usual_waits(profile) if waits is None else waits
    return waits.get(thread.operation, "")


def cell_stack(
    profile: Profile, cell: CensusCell, waits: dict[str, str], go_version: str
) -> list[Frame]:
    """The full stack (runtime frames included) of the goroutines of one census cell.

    A cell has no per-goroutine flags: a runnable cell with a lock is inside that lock's
    Unlock (the only runnable state the engines name a lock for), and in a threads or model
    profile a runnable cell inside an operation is a woken waiter (:func:`woken_from`).
    """
    in_unlock = cell.state == "runnable" and bool(cell.lock)
    probe = SampledThread(0, cell.state, cell.operation, cell.lock, 0, in_unlock=in_unlock)
    return thread_stack(
        profile,
        cell.state,
        cell.operation,
        cell.lock,
        in_unlock=in_unlock,
        woken=woken_from(profile, probe, waits),
        go_version=go_version,
        runtime=True,
    )
