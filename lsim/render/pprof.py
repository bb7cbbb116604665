"""pprof output: a gzipped ``profile.proto`` that ``go tool pprof`` opens.

Three kinds, as Go's runtime/pprof writes them:

* ``goroutine`` -- ``goroutine/count`` per stack; counts are the census means apportioned to
  integers (one sample per census cell, labelled ``state``/``operation``/``lock``).
* ``block`` -- ``contentions/count`` + ``delay/nanoseconds`` charged to the WAITER's stack
  (``LockReport.wait_by_operation``), lock-wait runtime frames on top: the view that matches
  a goroutine dump.
* ``mutex`` -- the same two values charged to the stack that UNLOCKED while others waited
  (``LockReport.delay_by_unlocker``), ``sync.(*Mutex).Unlock`` on top, like Go's mutex profile;
  before Go 1.22 the delay is about one hold time per wake-up (:func:`mutex_scale`).

Message and field numbers follow google/pprof ``proto/profile.proto``.
"""

from __future__ import annotations

import gzip
from datetime import datetime

from lsim.errors import ConfigError
from lsim.profile.model import LockReport, Profile
from lsim.render.base import Renderer, apportion
from lsim.render.frames import Frame
from lsim.render.gorelease import go119_mutex_delay_ns
from lsim.render.protobuf import Message
from lsim.render.stacks import (
    DEFAULT_GO_VERSION,
    TEXT_BASE,
    TEXT_LIMIT,
    caller_frames,
    frame_pc,
    go_release,
    store_frames,
    thread_stack,
    unlock_frames,
    wait_state,
)

KINDS = ("goroutine", "block", "mutex")
Sample = tuple[list[Frame], list[int], dict[str, str]]


class _Builder:
    """Interns strings, functions and locations; ids are 1-based as pprof requires."""

    def __init__(self) -> None:
        self.strings: dict[str, int] = {"": 0}
        self.functions: dict[tuple[str, str], int] = {}
        self.locations: dict[Frame, int] = {}

    def s(self, text: str) -> int:
        return self.strings.setdefault(text, len(self.strings))

    def location(self, fr: Frame) -> int:
        if fr not in self.locations:
            self.functions.setdefault((fr.function, fr.file), len(self.functions) + 1)
            self.locations[fr] = len(self.locations) + 1
        return self.locations[fr]

    def value_type(self, kind: str, unit: str) -> Message:
        return Message().integer(1, self.s(kind)).integer(2, self.s(unit))

    def sample(self, stack: list[Frame], values: list[int], labels: dict[str, str]) -> Message:
        msg = Message().packed(1, [self.location(f) for f in stack]).packed(2, values)
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
    n = profile.census_samples or 1
    means = {i: c.thread_samples / n for i, c in enumerate(profile.census)}
    counts = apportion(means, round(sum(means.values())))
    out: list[Sample] = []
    for i, cell in enumerate(profile.census):
        if counts[i]:
            stack = thread_stack(
                profile, cell.state, cell.operation, cell.lock, go_version=go_version
            )
            labels = {"state": cell.state, "operation": cell.operation, "lock": cell.lock}
            out.append((stack, [counts[i]], labels))
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
        for fr, loc_id in b.locations.items():
            line = Message().integer(1, b.functions[(fr.function, fr.file)]).integer(2, fr.line)
            msg.message(
                4,
                Message()
                .integer(1, loc_id)
                .integer(2, 1)
                .integer(3, frame_pc(fr))
                .message(4, line),
            )
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
