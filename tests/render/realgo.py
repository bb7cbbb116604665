"""lsim's Go formats beside real Go output of the same run, compared structurally (issue 12).

A go-engine profile keeps what real Go wrote in its census run: the ``debug=2`` dump, the
goroutine profile's ``debug=1`` text and the block, mutex and goroutine ``profile.proto``
(``lsim.profile.kept_dump``). lsim renders the same profile for the release that ran, and
these helpers read both sides the same way. The frames below the store differ by design
(real Go shows the go engine's own executor, lsim Alloy's scrape path), so the comparisons
are of what a Go release decides: header grammar, wait reasons, the runtime and ``sync``
frames per state with their lines and where offsets are printed, the dumping goroutine,
``debug=1``'s PCs and alignment, and the profiles' types, units, leaves and magnitudes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

from lsim.profile.kept_dump import DEBUG1, kept_dump, kept_pprof
from lsim.profile.model import Profile
from lsim.render.goroutines import GoroutineDump
from lsim.render.pprof import PprofRenderer
from lsim.render.stacks import parse_go_version
from tests.render.protoread import PprofProfile, read_pprof

HEADER = re.compile(r"^goroutine (\d+) \[([^\],]+)(, \d+ minutes)?(, locked to thread)?\]:$")
SYNC = re.compile(r"^(internal/)?sync\.")
RECORD = re.compile(r"^(\d+) @((?: 0x[0-9a-f]+)+)$")
PC_LINE = re.compile(r"^#\t(0x[0-9a-f]+)\t+(\S+)\+0x[0-9a-f]+\t+(\S+):(\d+)$")

Frame = tuple[str, bool, str, bool]  # function, printed (...), pkg/file.go:line, has +0x


def release_of(profile: Profile) -> str:
    """``1.19`` for ``go1.19.8``: the release lsim renders the profile as."""
    major, minor = parse_go_version(str(profile.machine["go_version"]))
    return f"{major}.{minor}"


def real_dump(profile: Profile) -> str:
    dump = kept_dump(profile)
    assert dump is not None, "a go-engine profile keeps one real debug=2 dump"
    return dump


def lsim_dump(profile: Profile, debug: int = 2) -> str:
    return GoroutineDump(go_version=release_of(profile), debug=debug).render(profile)


def real_debug1(profile: Profile) -> str:
    data = kept_pprof(profile, DEBUG1)
    assert data is not None, "a go-engine profile keeps the goroutine profile's debug=1 text"
    return data.decode()


def real_pprof(profile: Profile, kind: str) -> PprofProfile:
    data = kept_pprof(profile, kind)
    assert data is not None, f"a go-engine profile keeps the real {kind} profile"
    return read_pprof(data)


def lsim_pprof(profile: Profile, kind: str) -> PprofProfile:
    data = PprofRenderer(kind=kind, go_version=release_of(profile)).render(profile)
    assert isinstance(data, bytes)
    return read_pprof(data)


# -- debug=2 ---------------------------------------------------------------------------------
@dataclass
class Goroutine:
    reason: str  # the wait reason in the header
    frames: list[Frame]  # every printed frame, leaf first
    created_in: bool | None  # "created by ... in goroutine N" (None: no creator, main)

    def sync_frames(self) -> tuple[Frame, ...]:
        """The leading ``sync``/``internal/sync`` frames (the lock wait or unlock path)."""
        out = []
        for fr in self.frames:
            if not SYNC.match(fr[0]):
                break
            out.append(fr)
        return tuple(out)


def goroutines(dump: str) -> list[Goroutine]:
    """Every goroutine of a ``debug=2`` dump; fails on a header it cannot read."""
    out = []
    for block in dump.strip("\n").split("\n\n"):
        lines = block.split("\n")
        header = HEADER.match(lines[0])
        assert header, lines[0]
        frames: list[Frame] = []
        created_in = None
        for func, where in zip(lines[1::2], lines[2::2], strict=False):
            if func.startswith("created by"):
                created_in = " in goroutine " in func
                break
            file_line, _, offset = where.strip().partition(" +0x")
            function, _, args = func.rpartition("(")
            frames.append((function, args == "...)", _base(file_line), bool(offset)))
        out.append(Goroutine(header.group(2), frames, created_in))
    return out


def _base(file_line: str) -> str:
    """``/usr/lib/go-1.19/src/sync/mutex.go:171`` (or a trimmed path) -> ``sync/mutex.go:171``."""
    return "/".join(file_line.split("/")[-2:])


def lock_waits(dump: str) -> list[tuple[str, tuple[Frame, ...]]]:
    """(wait reason, sync frames) of every goroutine in a semaphore's frames: the blocked
    waiters and the ``[runnable]`` ones an Unlock woke that have not run yet."""
    return [
        (g.reason, g.sync_frames())
        for g in goroutines(dump)
        if g.frames and "runtime_Semacquire" in g.frames[0][0]
    ]


# -- debug=1 ---------------------------------------------------------------------------------
@dataclass
class Record:
    count: int
    at: list[int]  # the @ list
    pcs: list[int]  # the # lines' PCs
    functions: list[str]
    lines: list[str]  # the # lines as printed


def debug1_records(text: str) -> tuple[int, list[Record]]:
    head, _, rest = text.partition("\n")
    total = re.match(r"^goroutine profile: total (\d+)$", head)
    assert total, head
    records = []
    for block in rest.strip("\n").split("\n\n"):
        lines = block.split("\n")
        record = RECORD.match(lines[0])
        assert record, lines[0]
        parsed = [PC_LINE.match(line) for line in lines[1:]]
        assert all(parsed), lines
        records.append(
            Record(
                int(record.group(1)),
                [int(pc, 16) for pc in record.group(2).split()],
                [int(m.group(1), 16) for m in parsed if m],
                [m.group(2) for m in parsed if m],
                lines[1:],
            )
        )
    return int(total.group(1)), records


def last_column(line: str, width: int = 8) -> int:
    """The column where a line's last tab-separated cell starts (tabs stop every 8)."""
    column = 0
    for cell in line.split("\t")[:-1]:
        column = (column + len(cell)) // width * width + width
    return column


def debug1_shape(text: str) -> dict[str, object]:
    """What ``debug=1`` decides, per record: ``@`` PCs beyond the ``#`` lines (hidden
    runtime frames, goexit), every ``#`` PC one below an ``@`` PC, the file column at one
    tab stop within a record, the writing goroutine counted, and the total."""
    total, records = debug1_records(text)
    return {
        "total_is_sum": total == sum(r.count for r in records),
        "at_beyond_hash": all(len(r.at) > len(r.pcs) for r in records),
        "hash_is_at_minus_1": all({pc + 1 for pc in r.pcs} <= set(r.at) for r in records),
        "aligned": all(len({last_column(line) for line in r.lines}) == 1 for r in records),
        "writer_counted": sum(
            r.count for r in records if "runtime/pprof.writeRuntimeProfile" in r.functions
        )
        == 1,
    }


# -- pprof -----------------------------------------------------------------------------------
def leaves(pp: PprofProfile) -> set[str]:
    """The leaf function of every sample (inlined frames included: a location's first line)."""
    return {pp.stack(ids)[0] for ids, _, _ in pp.samples}


def lock_leaves(pp: PprofProfile) -> set[str]:
    """The ``sync`` leaves (real profiles also have the program's channel and select waits
    and, since 1.2x, the runtime's own locks)."""
    return {leaf for leaf in leaves(pp) if SYNC.match(leaf)}


def parked_under(pp: PprofProfile, marker: str) -> set[tuple[str, ...]]:
    """The frames above (and including) the first frame containing ``marker``, for every
    sample that has one: what a parked waiter (``Semacquire``) or a goroutine yielding in
    Unlock (``Semrelease``) sits under."""
    out = set()
    for ids, _, _ in pp.samples:
        stack = pp.stack(ids)
        hits = [i for i, f in enumerate(stack) if marker in f]
        if hits:
            out.add(tuple(stack[: hits[0] + 1]))
    return out


def total(pp: PprofProfile, index: int = -1) -> int:
    return sum(v[index] for _, v, _ in pp.samples)


def store_total(pp: PprofProfile, index: int = -1) -> int:
    """The part of a profile charged to stacks through the store (``labelstore``)."""
    return sum(
        v[index] for ids, v, _ in pp.samples if any("labelstore" in f for f in pp.stack(ids))
    )


def inlined_leaf_shares_location(pp: PprofProfile) -> bool:
    """Every lock-path sample's first location has the lock frame and the store frame."""
    for ids, _, _ in pp.samples:
        names = [pp.functions[fn][0] for fn, _ in pp.locations[ids[0]][2]]
        if names[0] in ("sync.(*Mutex).Lock", "sync.(*Mutex).Unlock") and len(names) < 2:
            return False
    return True


# -- panicparse ------------------------------------------------------------------------------
def panicparse_buckets(dump: str) -> int | None:
    """How many buckets panicparse groups a dump into (None: panicparse not installed)."""
    if shutil.which("panicparse") is None:
        return None
    done = subprocess.run(
        ["panicparse", "-no-color", "-parse=false"],
        input=dump,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return len(re.findall(r"^\d+: ", done.stdout, re.MULTILINE))
