"""Go goroutine dumps: ``debug=2`` (one block per goroutine) and ``debug=1`` (grouped).

``debug=2`` draws the representative census sample, thread by thread, like
``runtime.Stack(buf, true)``: it is one moment, as a real dump is. ``debug=1`` groups the
whole census instead: each record's count is the mean number of threads on that stack over
all census samples, apportioned to integers that add up to the rounded mean thread count,
plus the goroutine writing the profile (``goroutine profile: total N``), so one unlucky
sample cannot dominate it. What each prints follows the release (``gorelease`` module doc);
argument words follow :class:`ArgWords`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from lsim.errors import ConfigError
from lsim.profile.model import Profile, SampledThread, is_blocked_state
from lsim.render.base import Renderer, apportion
from lsim.render.frames import Frame, creator_for
from lsim.render.gorelease import HEAP_BASE, GoRelease, is_inlined, shown_in_dump
from lsim.render.stacks import (
    DEFAULT_GO_VERSION,
    cell_stack,
    entry_pc,
    frame_pc,
    go_release,
    new_sema_names,
    parse_go_version,
    pc_offset,
    return_pc,
    stable_hash,
    thread_stack,
    usual_waits,
    woken_from,
)

FIRST_GOROUTINE_ID = 1000  # thread i is goroutine 1000 + i; low ids belong to main & co.
DUMPER_GOROUTINE = 998  # the HTTP request goroutine serving /debug/pprof/goroutine
HTTP_SERVER_GOROUTINE = 152  # the goroutine in (*http.Server).Serve that started it
_NS_PER_MINUTE = 60_000_000_000
_NO_WAIT_SHOWN = frozenset({"running", "runnable"})  # Go prints no wait time for these


def goroutine_id(thread: int) -> int:
    return FIRST_GOROUTINE_ID + thread


def header_state(state: str, go_version: str) -> str:
    """What goes in ``[...]``: Go before 1.20 called every lock wait ``semacquire``; the world
    is stopped while the dump is written, so a goroutine that was running shows
    ``runnable`` (only the dumping goroutine is ``running``); a scrape loop between scrapes
    waits in ``select``."""
    if is_blocked_state(state) and not new_sema_names(go_version):
        return "semacquire"
    return {"idle": "select", "sleep": "select", "running": "runnable"}.get(state, state)


def heap_base(profile: Profile, table: GoRelease) -> int:
    """Where the heap starts: 0xc000000000, or (Go >= 1.26) a random base, here drawn from
    the profile's seed like a process's start-up draws it."""
    if not table.random_heap:
        return HEAP_BASE
    return 0x100000000000 + (stable_hash(f"heap:{profile.seed}") % 0x2F0000) * 0x1000000


# The semaphore frame's three words are whatever its registers' spill slots held: always
# printed with "?", and different from one goroutine to the next in ways that depend on the
# caller (what real dumps of the same run show, release by release; P is a pointer, S a
# small count). Each operation has its usual pattern; about one goroutine in eight shows
# another one.
_SEMA_JUNK_119 = (("P?", "0x0?", "0x0?"), ("0x0?", "0x10?", "0x4571d3?"), ("0x0?", "0x0?", "P?"))
_RARE_119 = (("S?", "0x0?", "0x0?"),)
_SEMA_JUNK = (("0x0?", "0x0?", "P?"), ("0x524e65?", "0x1?", "0x2?"), ("P?", "0x0?", "0xc8?"))
_RARE = (("0x524e65?", "S?", "P?"), ("P?", "0xc8?", "0x100?"))
_SMALL = (0x3, 0x4, 0x5, 0xC8, 0x7C, 0x31)


class ArgWords:
    """Argument words for one goroutine's frames, as its release prints them.

    Pointers are stable per object (one ``Service`` per shard, each lock a field inside it,
    one receiver per type) or per goroutine; strings are ``{ptr, len}``, slices ``{ptr,
    len, cap}``; integer arguments of the store methods are the goroutine's own values
    (a global ref ID), printed exactly since Go 1.2x and as ``0x0?`` by 1.19, whose
    traceback did not know they were live; the semaphore frame prints register junk with
    ``?``. Go's own store (``lsim/labelstore``, the go engine) takes one more pointer, the
    caller's context, after the receiver.
    """

    def __init__(self, profile: Profile, thread: SampledThread, table: GoRelease) -> None:
        self.thread = thread
        self.table = table
        self.base = heap_base(profile, table)
        self.series = max(int((profile.workload.get("series") or {}).get("count", 0) or 0), 1)
        # one Service per shard (one in total for unsharded designs), so every goroutine in
        # it shows the same receiver, and each lock a fixed field address inside it
        self.service = self.word(f"service:{thread.shard}")
        self.lock = self.service + 0x8 * (1 + stable_hash(thread.lock) % 6 if thread.lock else 1)

    def word(self, key: str) -> int:
        return self.base + (stable_hash(key) % 0x400000) * 0x40

    def own(self, name: str) -> int:
        return self.word(f"{self.thread.thread}:{name}")

    def value(self, name: str) -> str:
        """An integer argument of a store method (a ref ID of this goroutine's)."""
        if not self.table.exact_integers:
            return "0x0?"
        return f"0x{1 + stable_hash(f'{self.thread.thread}:{name}:id') % self.series:x}"

    def junk(self) -> str:
        old = not self.table.new_wait_reasons
        usual, rare = (_SEMA_JUNK_119, _RARE_119) if old else (_SEMA_JUNK, _RARE)
        t = self.thread.thread
        if stable_hash(f"junk:{t}") % 8 == 0:
            pattern = (usual + rare)[stable_hash(f"junk-pattern:{t}") % (len(usual) + len(rare))]
        else:
            pattern = usual[stable_hash(f"junk:{self.thread.operation}") % len(usual)]
        small = _SMALL[stable_hash(f"small:{t}") % len(_SMALL)]
        return ", ".join(
            w.replace("P", f"0x{self.own('junk'):x}").replace("S", f"0x{small:x}") for w in pattern
        )

    def __call__(self, fr: Frame) -> str:
        name = fr.function.removeprefix("internal/")
        if is_inlined(fr):
            return "..."  # Lock/Unlock are inlined into the caller: Go prints (...)
        if name.startswith("sync.runtime_Semacquire"):
            return self.junk()
        if name.startswith("sync.runtime_Semrelease"):
            return f"0x{self.lock:x}?, 0x1?, 0x{1 if not self.table.new_wait_reasons else 2:x}?"
        if name.endswith(("unlockSlow", "rUnlockSlow")):
            return f"0x{self.lock:x}, 0x{self.own('new'):x}?"
        if name.startswith("sync.(*"):
            return f"0x{self.lock:x}"
        method = name.rsplit(".", 1)[-1]
        if ".(*Service)." in name or (".(*" in name and method in _STORE_ARGS):
            return self.store_args(name, method)  # a store method, of any design's type
        if name.startswith(("runtime.", "runtime/", "net/")):
            return ", ".join(f"0x{self.own(f'{name}:{i}'):x}" for i in range(2))
        word = self.own(name)
        if ".(*" in name:  # any other method: one receiver per type
            return f"0x{self.word(name.split('.(*')[1].split(')')[0]):x}, 0x{word:x}"
        return f"0x{word:x}, 0x{word + 0x40:x}"

    def store_args(self, name: str, method: str) -> str:
        receiver = self.service if ".(*Service)." in name else self.word(name.split(".(*")[1])
        words = [f"0x{receiver:x}"]
        lsim_store = name.startswith("lsim/")
        if lsim_store:  # the go engine's store passes its context first
            words.append(f"0x{self.own('ctx'):x}{'?' if 'Get' in method else ''}")
        length = 0xB if lsim_store else 0x1F  # "component_0", "prometheus.remote_write.default"
        component = f"{{0x{self.word('component'):x}, 0x{length:x}}}"
        for kind in _STORE_ARGS.get(method, ("ptr",)):
            if kind == "component":
                words.append(component)
            elif kind == "id":
                words.append(self.value(f"{method}:{len(words)}"))
            elif kind == "labels":
                labels = f"0x{self.own('labels'):x}"
                size = 0x50 + stable_hash(f"{self.thread.thread}:len") % 0x40
                words.append(labels if lsim_store else f"{{{labels}, 0x{size:x}}}")
            elif kind == "trackers":
                # spilled late: Go prints a stale length and, before 1.2x, no capacity
                cap = "0x0?" if not self.table.exact_integers else self.value("cap") + "?"
                words.append(f"{{0x{self.own('batch'):x}?, 0x{length:x}?, {cap}}}")
            elif kind == "ptr":
                words.append(f"0x{self.own(method):x}")
        return ", ".join(words)


# Alloy's store methods' arguments after the receiver (internal/service/labelstore).
_STORE_ARGS: dict[str, tuple[str, ...]] = {
    "GetOrAddGlobalRefID": ("labels",),
    "GetLocalRefID": ("component", "id"),
    "AddLocalLink": ("component", "id", "id"),
    "ReplaceLocalLink": ("component", "id", "id", "id"),
    "GetOrAddLink": ("component", "id", "labels"),
    "TrackStaleness": ("trackers",),
    "CheckAndRemoveStaleMarkers": (),
    "Collect": ("ptr",),
}


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
        self.table = go_release(go_version)
        self.debug = debug
        self.color = color  # accepted for the CLI's sake; dumps stay plain so parsers work

    def render(self, profile: Profile) -> str:
        if self.debug == 1:
            return "".join(self._debug1(profile))
        waits = usual_waits(profile)
        return "\n".join(
            [
                self._dumper(profile),
                *(
                    self._goroutine(profile, t, woken_from(profile, t, waits))
                    for t in sorted(profile.representative, key=lambda t: t.thread)
                ),
            ]
        )

    def _frames(self, stack: Sequence[Frame], args: ArgWords) -> list[str]:
        lines = []
        for fr in stack:
            if not shown_in_dump(fr):
                continue
            lines.append(f"{fr.function}({args(fr)})")
            # an inlined frame has no PC of its own: Go prints no offset after it
            offset = "" if is_inlined(fr) else f" +0x{pc_offset(fr):x}"
            lines.append(f"\t{fr.file}:{fr.line}{offset}")
        return lines

    def _created_by(self, creator: Frame, parent: int) -> list[str]:
        where = f" in goroutine {parent}" if self.table.created_in_goroutine else ""  # 1.21
        return [
            f"created by {creator.function}{where}",
            f"\t{creator.file}:{creator.line} +0x{pc_offset(creator):x}",
        ]

    def _dumper(self, profile: Profile) -> str:
        """The goroutine writing the dump: the only ``[running]`` one (Go prints it first)."""
        args = ArgWords(profile, _DUMPER, self.table)
        lines = [f"goroutine {DUMPER_GOROUTINE} [running]:", *self._frames(self.table.dumper, args)]
        if self.table.dumper_creator is not None:
            lines += self._created_by(self.table.dumper_creator, HTTP_SERVER_GOROUTINE)
        return "\n".join(lines) + "\n"

    # -- debug=2 ------------------------------------------------------------------------------
    def _goroutine(self, profile: Profile, thread: SampledThread, woken: str) -> str:
        state = header_state(thread.state, self.go_version)
        minutes = thread.wait_ns // _NS_PER_MINUTE
        if minutes >= 1 and thread.state not in _NO_WAIT_SHOWN:
            state += f", {minutes} minutes"
        stack = thread_stack(
            profile,
            thread.state,
            thread.operation,
            thread.lock,
            in_unlock=thread.in_unlock,
            woken=woken,
            go_version=self.go_version,
        )
        creator = creator_for(thread.operation)
        lines = [
            f"goroutine {goroutine_id(thread.thread)} [{state}]:",
            *self._frames(stack, ArgWords(profile, thread, self.table)),
            *self._created_by(creator.frame, creator.parent),
        ]
        return "\n".join(lines) + "\n"

    # -- debug=1 ------------------------------------------------------------------------------
    def _debug1(self, profile: Profile) -> Iterator[str]:
        counts = census_stack_counts(profile, self.go_version)
        writer = tuple(self.table.profile_writer)
        counts[writer] = counts.get(writer, 0) + 1  # the goroutine writing this profile
        yield f"goroutine profile: total {sum(counts.values())}\n"
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], [f.function for f in kv[0]]))
        goexit = [self.table.goexit] if self.table.goexit is not None else []
        for stack, count in ordered:
            if count <= 0:
                continue
            # @: every frame's return address, the runtime's and goexit's included (inlined
            # frames have addresses of their own there)
            yield f"{count} @" + "".join(f" 0x{return_pc(f):x}" for f in (*stack, *goexit))
            yield "\n"
            rows = [
                [
                    "#",
                    f"0x{frame_pc(fr):x}",
                    f"{fr.function}+0x{frame_pc(fr) - entry_pc(fr.function):x}",
                    f"{fr.file}:{fr.line}",
                ]
                for fr in printed_frames(stack)
            ]
            yield from tab_aligned(rows)
            yield "\n"


def printed_frames(stack: Sequence[Frame]) -> list[Frame]:
    """The frames ``debug=1`` prints ``#`` lines for: all but the leading runtime frames
    (``runtime/pprof.printStackRecord``); all of them when nothing else is left."""
    for i, fr in enumerate(stack):
        if not fr.function.startswith("runtime."):
            return list(stack[i:])
    return list(stack)


def tab_aligned(rows: list[list[str]], tabwidth: int = 8, padding: int = 1) -> Iterator[str]:
    """Rows of tab-terminated cells as ``text/tabwriter`` with padchar '\\t' prints them
    (minwidth 1, padding 1, what ``runtime/pprof`` uses): every cell but the last is padded
    with tabs to its column's widest cell plus the padding, rounded up to the tab width."""
    columns = max((len(r) for r in rows), default=0) - 1
    widths = [max(len(r[c]) for r in rows if len(r) > c + 1) + padding for c in range(columns)]
    widths = [-(-w // tabwidth) * tabwidth for w in widths]
    for row in rows:
        out = []
        for c, cell in enumerate(row[:-1]):
            out.append(cell + "\t" * -(-(widths[c] - len(cell)) // tabwidth))
        yield "".join(out) + row[-1] + "\n"


_DUMPER = SampledThread(thread=-1, state="running", operation="", lock="", wait_ns=0)


def census_stack_counts(profile: Profile, go_version: str) -> dict[tuple[Frame, ...], int]:
    """Integer goroutines per distinct full stack (runtime frames included) from the census
    means (see module doc); without census samples (a profile made from one snapshot) the
    representative sample is counted instead."""
    waits = usual_waits(profile)
    means: dict[tuple[Frame, ...], float] = {}
    if profile.census_samples:
        for cell in profile.census:
            key = tuple(cell_stack(profile, cell, waits, go_version))
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
                    woken=woken_from(profile, t, waits),
                    go_version=go_version,
                    runtime=True,
                )
            )
            means[key] = means.get(key, 0.0) + 1.0
    return apportion(means, round(sum(means.values())))
