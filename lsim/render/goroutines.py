"""Go goroutine dumps: ``debug=2`` (one block per goroutine) and ``debug=1`` (grouped).

``debug=2`` draws the representative census sample, thread by thread, like
``runtime.Stack(buf, true)``: it is one moment, as a real dump is. ``debug=1`` groups the
whole census instead: each record's count is the mean number of threads on that stack over
all census samples, apportioned to integers that add up to the rounded mean thread count
(``goroutine profile: total N``), so one unlucky sample cannot dominate it.
"""

from __future__ import annotations

from collections.abc import Iterator

from lsim.errors import ConfigError
from lsim.profile.model import Profile, SampledThread, is_blocked_state
from lsim.render.base import Renderer, apportion
from lsim.render.frames import Frame, creator_for
from lsim.render.gorelease import is_inlined
from lsim.render.stacks import (
    DEFAULT_GO_VERSION,
    entry_pc,
    frame_pc,
    go_release,
    new_sema_names,
    parse_go_version,
    pc_offset,
    stable_hash,
    thread_stack,
)

FIRST_GOROUTINE_ID = 1000  # thread i is goroutine 1000 + i; low ids belong to main & co.
DUMPER_GOROUTINE = 998  # the HTTP request goroutine serving /debug/pprof/goroutine
HTTP_SERVER_GOROUTINE = 152  # the goroutine in (*http.Server).Serve that started it
HEAP_BASE = 0xC000000000  # Go's heap arena starts here on linux/amd64
_NS_PER_MINUTE = 60_000_000_000
_NO_WAIT_SHOWN = frozenset({"running", "runnable"})  # Go prints no wait time for these


def goroutine_id(thread: int) -> int:
    return FIRST_GOROUTINE_ID + thread


def header_state(state: str, go_version: str) -> str:
    """What goes in ``[...]``: Go before 1.20 called every lock wait ``semacquire``; the world
    is stopped while the dump is written, so a goroutine that was running shows
    ``runnable`` (only the dumping goroutine is ``running``)."""
    if is_blocked_state(state) and not new_sema_names(go_version):
        return "semacquire"
    return {"idle": "select", "running": "runnable"}.get(state, state)


def heap_word(key: str) -> int:
    return HEAP_BASE + (stable_hash(key) % 0x400000) * 0x40


class _Args:
    """Argument words for one goroutine's frames, stable per (thread, lock, shard)."""

    def __init__(self, thread: SampledThread) -> None:
        self.thread = thread
        # one Service per shard (one in total for unsharded designs), so every goroutine in
        # it shows the same receiver, and each lock a fixed field address inside it
        self.service = heap_word(f"service:{thread.shard}")
        self.lock = self.service + 0x8 * (1 + stable_hash(thread.lock) % 6 if thread.lock else 1)

    def __call__(self, fr: Frame) -> str:
        name = fr.function.removeprefix("internal/")
        if is_inlined(fr):
            return "..."  # Lock/Unlock are inlined into the caller: Go prints (...)
        if name.startswith("sync.runtime_Sem"):
            return f"0x{self.lock:x}?, 0x0?, 0x1?"
        if name.startswith("sync.(*"):
            return f"0x{self.lock:x}"
        if name == "time.Sleep":
            return "0x3b9aca00"
        if name.startswith("runtime."):
            return "0x0?, 0x0?, 0x0?"
        word = heap_word(f"{self.thread.thread}:{name}")
        if ".(*Service)." in name:
            return f"0x{self.service:x}, 0x{word:x}"
        if ".(*" in name:  # any other method: one receiver per type
            return f"0x{heap_word(name.split('.(*')[1].split(')')[0]):x}, 0x{word:x}"
        return f"0x{word:x}, 0x{word + 0x40:x}"


class GoroutineDump(Renderer):
    """``/debug/pprof/goroutine?debug=2`` (default) or ``debug=1``."""

    name = "goroutines"
    suffixes = (".dump", ".goroutines")

    def __init__(
        self, *, go_version: str = DEFAULT_GO_VERSION, debug: int = 2, color: bool = False
    ) -> None:
        parse_go_version(go_version)  # fail at construction, not halfway through a dump
        if debug not in (1, 2):
            raise ConfigError(f"debug must be 1 or 2, got {debug!r}")
        self.go_version = go_version
        self.debug = debug
        self.color = color  # accepted for the CLI's sake; dumps stay plain so parsers work

    def render(self, profile: Profile) -> str:
        if self.debug == 1:
            return "".join(self._debug1(profile))
        return "\n".join(
            [
                self._dumper(),
                *(
                    self._goroutine(profile, t)
                    for t in sorted(profile.representative, key=lambda t: t.thread)
                ),
            ]
        )

    def _dumper(self) -> str:
        """The goroutine writing the dump: the only ``[running]`` one (Go prints it first)."""
        table = go_release(self.go_version)
        args = _Args(SampledThread(thread=-1, state="running", operation="", lock="", wait_ns=0))
        lines = [f"goroutine {DUMPER_GOROUTINE} [running]:"]
        for fr in table.dumper:
            lines.append(f"{fr.function}({args(fr)})")
            lines.append(f"\t{fr.file}:{fr.line} +0x{pc_offset(fr):x}")
        creator = table.dumper_creator
        if creator is not None:
            where = f" in goroutine {HTTP_SERVER_GOROUTINE}" if table.created_in_goroutine else ""
            lines.append(f"created by {creator.function}{where}")
            lines.append(f"\t{creator.file}:{creator.line} +0x{pc_offset(creator):x}")
        return "\n".join(lines) + "\n"

    # -- debug=2 ------------------------------------------------------------------------------
    def _goroutine(self, profile: Profile, thread: SampledThread) -> str:
        state = header_state(thread.state, self.go_version)
        minutes = thread.wait_ns // _NS_PER_MINUTE
        if minutes >= 1 and thread.state not in _NO_WAIT_SHOWN:
            state += f", {minutes} minutes"
        lines = [f"goroutine {goroutine_id(thread.thread)} [{state}]:"]
        args = _Args(thread)
        stack = thread_stack(
            profile,
            thread.state,
            thread.operation,
            thread.lock,
            in_unlock=thread.in_unlock,
            go_version=self.go_version,
        )
        for fr in stack:
            lines.append(f"{fr.function}({args(fr)})")
            # an inlined frame has no PC of its own: Go prints no offset after it
            offset = "" if is_inlined(fr) else f" +0x{pc_offset(fr):x}"
            lines.append(f"\t{fr.file}:{fr.line}{offset}")
        creator = creator_for(thread.operation)
        where = ""
        if go_release(self.go_version).created_in_goroutine:  # new in 1.21
            where = f" in goroutine {creator.parent}"
        lines.append(f"created by {creator.frame.function}{where}")
        lines.append(f"\t{creator.frame.file}:{creator.frame.line} +0x{pc_offset(creator.frame):x}")
        return "\n".join(lines) + "\n"

    # -- debug=1 ------------------------------------------------------------------------------
    def _debug1(self, profile: Profile) -> Iterator[str]:
        counts = census_stack_counts(profile, self.go_version)
        yield f"goroutine profile: total {sum(counts.values())}\n"
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], [f.function for f in kv[0]]))
        for stack, count in ordered:
            if count <= 0:
                continue
            yield f"{count} @" + "".join(f" 0x{frame_pc(f):x}" for f in stack) + "\n"
            for fr in stack:
                pc = frame_pc(fr)
                offset = pc - entry_pc(fr.function)
                yield f"#\t0x{pc:x}\t{fr.function}+0x{offset:x}\t{fr.file}:{fr.line}\n"
            yield "\n"


def census_stack_counts(profile: Profile, go_version: str) -> dict[tuple[Frame, ...], int]:
    """Integer goroutines per distinct stack from the census means (see module doc).

    Without census samples (a profile made from one snapshot) the representative sample is
    counted instead.
    """
    means: dict[tuple[Frame, ...], float] = {}
    if profile.census_samples:
        for cell in profile.census:
            key = tuple(
                thread_stack(profile, cell.state, cell.operation, cell.lock, go_version=go_version)
            )
            means[key] = means.get(key, 0.0) + cell.thread_samples / profile.census_samples
    else:
        for t in profile.representative:
            key = tuple(
                thread_stack(
                    profile,
                    t.state,
                    t.operation,
                    t.lock,
                    in_unlock=t.in_unlock,
                    go_version=go_version,
                )
            )
            means[key] = means.get(key, 0.0) + 1.0
    return apportion(means, round(sum(means.values())))
