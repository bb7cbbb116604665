"""Full Go stacks for a thread in a given (state, operation, lock), shared by all renderers.

A stack is a list of :class:`Frame`, LEAF FIRST (the order Go prints and pprof stores):
runtime frames of the lock wait (or unlock) on top, then the store's frames from
``Profile.stacks[operation]`` (innermost first), then Alloy's callers down to the scrape
loop. Addresses and ``+0x`` offsets come from a stable hash of the function (and line), so
the same profile always renders to the same bytes.
"""

from __future__ import annotations

import zlib

from lsim.errors import ConfigError
from lsim.profile.model import Profile
from lsim.render.frames import (
    CALLERS,
    IDLE_FRAMES,
    SLEEP_FRAMES,
    Frame,
    package_of,
    source_path,
)
from lsim.render.gorelease import GoRelease, release
from lsim.stores.base import GO_FILE, GO_PACKAGE

DEFAULT_GO_VERSION = "1.21"
TEXT_BASE = 0x401000  # where a Go binary's text usually starts
TEXT_LIMIT = TEXT_BASE + 0x1000000  # room for every hashed entry point below


def stable_hash(text: str) -> int:
    return zlib.crc32(text.encode())


def pc_offset(fr: Frame) -> int:
    """The ``+0x..`` after a frame: a plausible in-function offset, stable per call site."""
    return 0x10 + stable_hash(f"{fr.function}:{fr.line}") % 0x2F0


def entry_pc(function: str) -> int:
    return TEXT_BASE + (stable_hash(function) % 0x3FFF0) * 0x40


def frame_pc(fr: Frame) -> int:
    return entry_pc(fr.function) + pc_offset(fr)


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


def caller_frames(operation: str, state: str = "") -> list[Frame]:
    """Alloy's frames below the store (leaf first); unknown operations use the scrape path."""
    if state in ("sleep", "idle"):
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
    go_version: str = DEFAULT_GO_VERSION,
) -> list[Frame]:
    """The whole stack of one goroutine, leaf first."""
    callers = caller_frames(operation, state)
    if state == "sleep":
        return [*SLEEP_FRAMES, *callers]
    if state == "idle":
        return [*IDLE_FRAMES, *callers]
    top: list[Frame] = []
    wait = go_release(go_version).lock_wait.get(state)
    if wait is not None:
        top = wait
    elif in_unlock and operation:
        kind = lock_kind(profile, lock, state)
        top = unlock_frames(kind, "write", go_version=go_version)
    middle = store_frames(profile, operation) if operation else []
    return [*top, *middle, *callers]
