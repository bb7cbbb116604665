"""Counting a dump: goroutines per (state, operation, lock), wait ages, Go version, per dump.

One pass over the records, nothing kept per goroutine but a small tuple (for the dump that
becomes the profile's representative sample), so a 54k-goroutine, 100 MB dump takes a few
seconds and well under 500 MB.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsim.analyze.classify import Classifier, Kind, Matchers
from lsim.analyze.grammar import DumpStart, Parser, Record
from lsim.analyze.source import DumpFormatError, open_lines
from lsim.profile.model import is_blocked_state

Cell = tuple[str, str, str]  # (state, operation, lock)
Thread = tuple[int, str, str, str, int, int]  # (goroutine, state, operation, lock, minutes, shard)
StoreStack = tuple[tuple[str, str], ...]  # store frames, outermost first: (function, file:line)
STACK_SAMPLES = 2000  # goroutines per operation whose store frames are tallied

# Go version evidence: (lowest release, highest release) the sign is compatible with.
_OLD_LOCK = "a lock wait printed as [semacquire]"
_NEW_LOCK = "a lock wait printed as [sync.Mutex.Lock]"
_IN_GOROUTINE = "'created by ... in goroutine N'"
_NO_IN_GOROUTINE = "'created by ...' without 'in goroutine N'"
_INTERNAL_SYNC = "an internal/sync frame"
SIGNS: dict[str, tuple[int, int]] = {
    _OLD_LOCK: (17, 19),
    _NEW_LOCK: (20, 99),
    _IN_GOROUTINE: (21, 99),
    _NO_IN_GOROUTINE: (17, 20),
    _INTERNAL_SYNC: (24, 99),
}


@dataclass
class DumpCensus:
    """One dump (one file, or one of several dumps concatenated in a file)."""

    source: str
    debug: int
    line: int  # where it starts
    total_header: int = -1  # debug=1 "goroutine profile: total N"
    goroutines: int = 0
    callers: int = 0  # outside the store, with a --callers frame (lsim fit: simulated)
    cells: Counter[Cell] = field(default_factory=Counter)
    waits: Counter[int] = field(default_factory=Counter)  # blocked goroutines by minutes
    threads: list[Thread] = field(default_factory=list)
    stacks: dict[str, Counter[StoreStack]] = field(default_factory=dict)
    signs: dict[str, int] = field(default_factory=dict)  # version sign -> first line
    truncated: bool = False

    @property
    def blocked(self) -> int:
        return sum(n for (state, _, _), n in self.cells.items() if is_blocked_state(state))

    @property
    def in_store(self) -> int:
        return sum(n for (_, op, _), n in self.cells.items() if op)

    def blocked_by_operation(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (state, op, _), n in self.cells.items():
            if is_blocked_state(state):
                out[op] += n
        return dict(out.most_common())

    def go_release(self) -> str:
        """What the format says about the Go release that wrote it."""
        lo, hi = 17, 99
        for sign in self.signs:
            a, b = SIGNS[sign]
            lo, hi = max(lo, a), min(hi, b)
        if lo == 17 and hi == 99:
            return "unknown"
        if hi == 99:
            return f"Go >= 1.{lo}"
        if lo == 17:
            return f"Go <= 1.{hi}"
        return f"Go 1.{lo}" if lo == hi else f"Go 1.{lo}-1.{hi}"

    def add(self, rec: Record, functions: list[str], kind: Kind, lock: str, shard: int) -> None:
        n = rec.count
        self.goroutines += n
        if kind.caller:
            self.callers += n
        self.cells[(kind.state, kind.operation, lock)] += n
        blocked = is_blocked_state(kind.state)
        if blocked and rec.debug == 2:
            self.waits[rec.minutes] += 1
        if rec.debug == 2:
            self.threads.append(
                (rec.goroutine, kind.state, kind.operation, lock, rec.minutes, shard)
            )
        if rec.truncated:
            self.truncated = True
        if kind.operation:
            tally = self.stacks.setdefault(kind.operation, Counter())
            if len(tally) < STACK_SAMPLES:
                inner, outer = kind.store_frames
                files = rec.files
                tally[
                    tuple(
                        (functions[i], files[i] if i < len(files) else "")
                        for i in range(outer, inner - 1, -1)
                    )
                ] += n
        if not rec.truncated:  # a cut line proves nothing about the Go release
            self._signs(rec, functions, kind)

    def _signs(self, rec: Record, functions: list[str], kind: Kind) -> None:
        signs = self.signs
        if rec.status == "semacquire" and kind.state != "semacquire":
            signs.setdefault(_OLD_LOCK, rec.line)
        elif rec.status in ("sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.RWMutex.Lock"):
            signs.setdefault(_NEW_LOCK, rec.line)
        if rec.parent >= 0:
            signs.setdefault(_IN_GOROUTINE, rec.line)
        elif rec.created_by and not rec.created_by.startswith("runtime."):
            signs.setdefault(_NO_IN_GOROUTINE, rec.line)
        if _INTERNAL_SYNC not in signs and any(f.startswith("internal/sync.") for f in functions):
            signs[_INTERNAL_SYNC] = rec.line


@dataclass
class Analysis:
    """Every dump of every file given, in order."""

    dumps: list[DumpCensus]
    matchers: Matchers
    files: list[str]

    def representative(self) -> DumpCensus:
        """The dump whose blocked count is nearest the median (a dump that happened)."""
        median = statistics.median(d.blocked for d in self.dumps)
        return min(self.dumps, key=lambda d: abs(d.blocked - median))

    @property
    def store_found(self) -> bool:
        return any(d.in_store for d in self.dumps)


def check_one_release(source: str, signs: dict[str, int]) -> None:
    """Two signs no one Go release prints together: mixed Go versions in one file."""
    items = sorted(signs.items(), key=lambda kv: kv[1])
    for i, (a, line_a) in enumerate(items):
        for b, line_b in items[i + 1 :]:
            if max(SIGNS[a][0], SIGNS[b][0]) > min(SIGNS[a][1], SIGNS[b][1]):
                first, second = (a, b) if SIGNS[a][1] < SIGNS[b][1] else (b, a)
                raise DumpFormatError(
                    f"{source}: mixed Go versions in one file: line {line_a} has {a}, line "
                    f"{line_b} has {b} ({_releases(first)} vs {_releases(second)}); "
                    "give each process's dump as its own file"
                )


def _releases(sign: str) -> str:
    lo, hi = SIGNS[sign]
    return f"Go 1.{lo}+" if hi == 99 else f"Go <= 1.{hi}"


def read_dump_file(
    path: Path, classifier: Classifier, label: str | None = None
) -> list[DumpCensus]:
    """Every dump in one file (usually one)."""
    name = label or str(path)
    parser = Parser(name)
    dumps: list[DumpCensus] = []
    current: DumpCensus | None = None
    with open_lines(path) as lines:
        for event in parser.parse(lines):
            if isinstance(event, DumpStart):
                classifier.new_process()  # shard addresses mean something within one dump
                suffix = f"#{event.dump + 1}" if event.dump else ""
                current = DumpCensus(name + suffix, event.debug, event.line, event.total)
                dumps.append(current)
                continue
            assert current is not None
            functions = event.functions
            kind = classifier.kind(event, functions)
            lock, shard = classifier.lock_name(kind, event) if kind.owner else ("", -1)
            current.add(event, functions, kind, lock, shard)
        if lines.cut and current is not None:
            current.truncated = True
    signs: dict[str, int] = {}
    for d in dumps:
        for sign, line in d.signs.items():
            signs.setdefault(sign, line)
    check_one_release(name, signs)
    if not dumps or all(d.goroutines == 0 for d in dumps):
        raise DumpFormatError(f"{name}: empty: no goroutine in it")
    return dumps


def analyze_files(
    paths: Sequence[Path],
    store_method: str | None = None,
    lock: str | None = None,
    *,
    read_source: bool = True,
    callers: str | None = None,
) -> Analysis:
    """Read every dump in ``paths`` (plain or gzip, debug=2 or debug=1)."""
    matchers = Matchers.of(store_method, lock, read_source, callers)
    classifier = Classifier(matchers)
    dumps: list[DumpCensus] = []
    for path in paths:
        dumps += read_dump_file(path, classifier)
    return Analysis(dumps, matchers, [str(p) for p in paths])
