"""pprof output: a gzipped ``profile.proto`` that ``go tool pprof`` opens.

Three kinds, as Go's runtime/pprof writes them:

* ``goroutine`` -- ``goroutine/count`` per stack; counts are the census means apportioned to
  integers (one sample per census cell, labelled ``state``/``operation``/``lock``); every
  stack has the runtime frames it is parked under (``runtime.gopark`` on top, as Go's has),
  and the goroutine writing the profile is counted.
* ``block`` -- ``contentions/count`` + ``delay/nanoseconds`` charged to the WAITER's stack
  (``LockReport.wait_by_operation``), starting at the public ``sync.(*Mutex).Lock`` (inlined
  into the store's frame) as Go's does: the view that matches a goroutine dump.
* ``mutex`` -- the same two values charged to the stack that UNLOCKED while others waited
  (``LockReport.delay_by_unlocker``), ``sync.(*Mutex).Unlock`` on top, like Go's mutex profile;
  before Go 1.22 the delay is about one hold time per wake-up (:func:`mutex_scale`).

Inlined frames share their caller's location (several ``Line`` entries, leaf first), so
``go tool pprof -top`` prints ``sync.(*Mutex).Lock (inline)`` as for a real profile.

Message and field numbers follow google/pprof ``proto/profile.proto``.
"""

from __future__ import annotations

import gzip
from datetime import datetime

from lsim.errors import ConfigError
from lsim.profile.model import LockReport, Profile
from lsim.render.base import Renderer, apportion
from lsim.render.frames import Frame
from lsim.render.gorelease import go119_mutex_delay_ns, is_inlined
from lsim.render.protobuf import Message
from lsim.render.stacks import (
    DEFAULT_GO_VERSION,
    TEXT_BASE,
    TEXT_LIMIT,
    caller_frames,
    cell_stack,
    frame_pc,
    go_release,
    store_frames,
    thread_stack,
    unlock_frames,
    usual_waits,
    wait_state,
)

KINDS = ("goroutine", "block", "mutex")
Sample = tuple[list[Frame], list[int], dict[str, str]]


Location = tuple[Frame, ...]  # frames inlined into the last one, leaf first, and that one


def locations(stack: list[Frame]) -> list[Location]:
    """Group a leaf-first stack into locations: each inlined frame joins the next frame."""
    out: list[Location] = []
    pending: list[Frame] = []
    for fr in stack:
        pending.append(fr)
        if not is_inlined(fr):
            out.append(tuple(pending))
            pending = []
    if pending:
        out.append(tuple(pending))
    return out


class _Builder:
    """Interns strings, functions and locations; ids are 1-based as pprof requires."""

    def __init__(self) -> None:
        self.strings: dict[str, int] = {"": 0}
        self.functions: dict[tuple[str, str], int] = {}
        self.locations: dict[Location, int] = {}

    def s(self, text: str) -> int:
        return self.strings.setdefault(text, len(self.strings))

    def location(self, loc: Location) -> int:
        if loc not in self.locations:
            for fr in loc:
                self.functions.setdefault((fr.function, fr.file), len(self.functions) + 1)
            self.locations[loc] = len(self.locations) + 1
        return self.locations[loc]

    def value_type(self, kind: str, unit: str) -> Message:
        return Message().integer(1, self.s(kind)).integer(2, self.s(unit))

    def sample(self, stack: list[Frame], values: list[int], labels: dict[str, str]) -> Message:
        ids = [self.location(loc) for loc in locations(stack)]
        msg = Message().packed(1, ids).packed(2, values)
        for key, value in sorted(labels.items()):
            if value:
                msg.message(3, Message().integer(1, self.s(key)).integer(2, self.s(value)))
        return msg


def _time_nanos(created: str) -> int:
    try:
        return int(datetime.fromisoformat(created).timestamp() * 1e9) if created else 0
    except ValueError:
        return 0


def goroutine_samples(profile: Profile, go_version: str = DEFAULT_GO_VERSION) -> list[Sample]:
    """One sample per census cell (:func:`~lsim.render.stacks.cell_stack`), and one for the
    goroutine writing the profile."""
    n = profile.census_samples or 1
    means = {i: c.thread_samples / n for i, c in enumerate(profile.census)}
    counts = apportion(means, round(sum(means.values())))
    waits = usual_waits(profile)
    out: list[Sample] = []
    for i, cell in enumerate(profile.census):
        if counts[i]:
            stack = cell_stack(profile, cell, waits, go_version)
            labels = {"state": cell.state, "operation": cell.operation, "lock": cell.lock}
            out.append((stack, [counts[i]], labels))
    table = go_release(go_version)
    out.append((table.profile_writer, [1], {"state": "running"}))
    return out


def contention_samples(
    profile: Profile, kind: str, go_version: str = DEFAULT_GO_VERSION
) -> list[Sample]:
    """``block``: waiter's stack; ``mutex``: unlocker's stack (see module doc).

    The block profile's stack starts at the public ``Lock``/``RLock`` frame, as Go's does
    (``semacquire1`` skips the semaphore and ``lockSlow`` frames). The mutex profile's delay
    follows the release's accounting (:func:`mutex_scale`).
    """
    out: list[Sample] = []
    table = go_release(go_version)
    for lock in profile.locks:
        by_op = lock.wait_by_operation if kind == "block" else lock.delay_by_unlocker
        scale = 1.0 if kind == "block" else mutex_scale(profile, lock, go_version)
        for op, (count, ns) in sorted(by_op.items()):
            if kind == "block":
                state = wait_state(lock.kind, lock.mode)
                stack = thread_stack(profile, state, op, lock.name, go_version=go_version)
                stack = stack[max(len(table.lock_wait.get(state, [])) - 1, 0) :]
            else:
                stack = [
                    *unlock_frames(lock.kind, lock.mode, full=False, go_version=go_version),
                    *(store_frames(profile, op) if op else []),
                    *caller_frames(op),
                ]
            values = [count, round(ns * scale)]
            out.append((stack, values, {"lock": lock.name, "operation": op}))
    return out


def mutex_scale(profile: Profile, lock: LockReport, go_version: str) -> float:
    """Factor from lsim's mutex delay to the release's own accounting.

    lsim's engines charge the unlocker with every waiter's wait, which is Go >= 1.22's
    accounting (golang/go#61015). For older releases the lock's total is rescaled to
    :func:`go119_mutex_delay_ns`. A go-engine profile already holds the real mutex profile
    of the Go that ran, so it is left as measured.
    """
    if profile.engine == "go" or go_release(go_version).mutex_charges_queue:
        return 1.0
    charged = sum(ns for _count, ns in lock.delay_by_unlocker.values())
    if charged <= 0:
        return 1.0
    return go119_mutex_delay_ns(lock.wait_total_ns, profile.duration_s) / charged


class PprofRenderer(Renderer):
    """``kind`` = goroutine | block (default) | mutex."""

    name = "pprof"
    suffixes = (".pb.gz",)
    binary = True

    def __init__(self, *, kind: str = "block", go_version: str = DEFAULT_GO_VERSION) -> None:
        if kind not in KINDS:
            raise ConfigError(f"pprof kind must be one of {', '.join(KINDS)}, got {kind!r}")
        self.kind = kind
        self.go_version = go_version

    def render(self, profile: Profile) -> bytes:
        # mtime=0: the same profile always gives the same bytes
        return gzip.compress(self.encode(profile), mtime=0)

    def encode(self, profile: Profile) -> bytes:
        """The uncompressed ``Profile`` message."""
        b = _Builder()
        msg = Message()
        if self.kind == "goroutine":
            types = [("goroutine", "count")]
            samples = goroutine_samples(profile, self.go_version)
        else:
            types = [("contentions", "count"), ("delay", "nanoseconds")]
            samples = contention_samples(profile, self.kind, self.go_version)
        for kind, unit in types:
            msg.message(1, b.value_type(kind, unit))
        for stack, values, labels in samples:
            msg.message(2, b.sample(stack, values, labels))
        mapping = (
            Message()
            .integer(1, 1)
            .integer(2, TEXT_BASE)
            .integer(3, TEXT_LIMIT)
            .integer(5, b.s("alloy"))
            .integer(7, 1)
            .integer(8, 1)
            .integer(9, 1)
        )
        msg.message(3, mapping)
        for loc, loc_id in b.locations.items():
            location = Message().integer(1, loc_id).integer(2, 1).integer(3, frame_pc(loc[-1]))
            for fr in loc:  # leaf first: the last line is the caller the others are inlined in
                fn_id = b.functions[(fr.function, fr.file)]
                location.message(4, Message().integer(1, fn_id).integer(2, fr.line))
            msg.message(4, location)
        for (function, file), fn_id in b.functions.items():
            name = b.s(function)
            msg.message(
                5,
                Message().integer(1, fn_id).integer(2, name).integer(3, name).integer(4, b.s(file)),
            )
        comment = b.s(
            f"lsim {profile.engine} engine, store {profile.store}, "
            f"seed {profile.seed}: {profile.command}"
        )
        period_type = b.value_type(*types[0])
        # the string table goes last so every index above is already interned
        for text in b.strings:
            msg.string(6, text, keep_empty=True)
        msg.integer(9, _time_nanos(profile.created))
        msg.integer(10, int(profile.duration_s * 1e9))
        msg.message(11, period_type)
        msg.integer(12, 1)
        msg.packed(13, [comment])
        return msg.encode()
