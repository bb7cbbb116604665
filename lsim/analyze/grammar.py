"""The grammar of Go goroutine dumps, read line by line into :class:`Record` values.

Two forms, as ``runtime/traceback.go`` and ``runtime/pprof`` print them (Go 1.17 to current):

``debug=2`` (``runtime.Stack(buf, true)``, ``/debug/pprof/goroutine?debug=2``, SIGQUIT, a
panic) -- one record per goroutine, records separated by a blank line::

    goroutine 5 [sync.Mutex.Lock, 2 minutes]:           # or [semacquire] before Go 1.20
    sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)      # frame: function(args)
    \t/usr/lib/go/src/runtime/sema.go:77 +0x25          #        \tfile:line [+0xpc]
    ...additional frames elided...                      # (more than 100 frames)
    created by main.main in goroutine 1                 # "in goroutine N" since Go 1.21
    \t/tmp/main.go:54 +0x445

  The header may carry ``gp=0x.. m=N mp=0x..`` (GOTRACEBACK=system), and inside the
  brackets `` (scan)``, `` (leaked)``, `` (durable)``, ``, N minutes``,
  ``, locked to thread``, ``, synctest bubble N``; pprof labels may follow in ``{...}``.

``debug=1`` (``pprof.Lookup("goroutine").WriteTo(w, 1)``) -- stacks grouped with counts::

    goroutine profile: total 10
    4 @ 0x437936 0x4063db 0x405f18
    # labels: {"k":"v"}                                  # optional
    #\t0x4ba569\tpkg.(*T).M+0x49\t/src/file.go:42        # tabwriter-padded

A crash dump may start with the panic/signal message and end with a register dump and
``exit status 2``; those are skipped. A last record cut off mid-frame (a full
``runtime.Stack`` buffer, a cut file or gzip stream) is kept and marked ``truncated``.
Anything else is an error naming the line that broke the grammar.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lsim.analyze.source import DumpFormatError, shown

HEADER = re.compile(
    r"goroutine (\d+)(?: gp=0x[0-9a-f]+(?: m=(?:\d+ mp=0x[0-9a-f]+|nil))?)? "
    r"\[([^\]]*)\](?: \{.*\})?:$"
)
FILE_LINE = re.compile(
    r"\t(.*):(\d+)(?: \+0x[0-9a-f]+)?(?: fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+)?$"
)
CREATED_BY = re.compile(r"created by (.+?)(?: in goroutine (\d+))?$")
DEBUG1_FILE = re.compile(r".*:\d+$")
TOTAL = re.compile(r"goroutine profile: total (\d+)$")
GROUP = re.compile(r"(\d+) @(?: 0x[0-9a-f]+)*$")
MINUTES = re.compile(r"(\d+) minutes$")
# Lines a crash report prints before the first goroutine (the first line must be one of
# these for free text to be skipped until the first header).
CRASH_PREAMBLE = re.compile(
    r"(?:panic: |fatal error: |SIG[A-Z0-9]+: |unexpected (?:fault address|signal)|runtime: "
    r"|\[signal |PC=0x|signal arrived during|unexpected return pc)"
)
# Lines a crash report prints after the goroutines: registers, the exit status.
TRAILER = re.compile(r"(?:[a-z0-9]{1,8}\s+0x[0-9a-f]+|exit status \d+|\[process exited.*\])$")
PREAMBLE_LIMIT = 1000  # lines of panic message tolerated before the first goroutine
ELIDED = "...additional frames elided..."
OTHER_THREAD = "\tgoroutine running on other thread; stack unavailable"
STATUS_FLAGS = (" (scan)", " (leaked)")


@dataclass(slots=True)
class Record:
    """One goroutine (``debug=2``) or one group of identical stacks (``debug=1``)."""

    line: int  # where the record starts (1-based)
    debug: int  # 2 or 1
    dump: int  # which dump in the file (0, 1, ...): a repeated id or total line starts one
    goroutine: int = 0  # debug=2: the id; debug=1: 0
    count: int = 1  # debug=1: the group's count
    status: str = ""  # the wait reason as printed, without flags and extras ("" in debug=1)
    minutes: int = 0  # ", N minutes"
    locked: bool = False  # ", locked to thread"
    calls: list[str] = field(default_factory=list)  # leaf first: "func(args)" / "func+0x.."
    files: list[str] = field(default_factory=list)  # "file:line" per frame
    created_by: str = ""
    parent: int = -1  # "in goroutine N" (Go >= 1.21); -1 when not printed
    elided: bool = False
    truncated: bool = False

    @property
    def functions(self) -> list[str]:
        if self.debug == 1:
            return [c.rpartition("+0x")[0] or c for c in self.calls]
        return [c[: c.rfind("(")] for c in self.calls]


@dataclass
class DumpStart:
    """A new dump begins (the first, or another one concatenated in the same file)."""

    line: int
    debug: int
    dump: int
    total: int = -1  # debug=1: "goroutine profile: total N"


Event = Record | DumpStart


def _numbered(lines: Iterable[str]) -> Iterator[tuple[int, str, bool]]:
    """``(line number, line, is_last)``: one line of look-ahead, to tell a cut last line
    (truncation) from a broken grammar."""
    it = iter(lines)
    try:
        prev = next(it)
    except StopIteration:
        return
    n = 1
    for line in it:
        yield n, prev, False
        prev, n = line, n + 1
    yield n, prev, True


class Parser:
    """Turns the lines of one file into :data:`Event` values (see the module doc)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, lineno: int, line: str, expected: str) -> DumpFormatError:
        return DumpFormatError(
            f"{self.source}:{lineno}: not a goroutine dump: expected {expected}, got {shown(line)}"
        )

    def parse(self, lines: Iterable[str]) -> Iterator[Event]:
        numbered = _numbered(lines)
        for lineno, line, last in numbered:
            if not line.strip():
                continue
            if HEADER.match(line):
                yield from self._debug2(lineno, line, last, numbered)
                return
            if TOTAL.match(line):
                yield from self._debug1(lineno, line, numbered)
                return
            if CRASH_PREAMBLE.match(line):
                yield from self._after_preamble(lineno, numbered)
                return
            raise self.error(
                lineno, line, "a goroutine header ('goroutine N [state]:') or 'goroutine profile:'"
            )

    def _after_preamble(
        self, first: int, numbered: Iterator[tuple[int, str, bool]]
    ) -> Iterator[Event]:
        for lineno, line, last in numbered:
            if HEADER.match(line):
                yield from self._debug2(lineno, line, last, numbered)
                return
            if lineno - first > PREAMBLE_LIMIT:
                break
        raise DumpFormatError(
            f"{self.source}:{first}: a crash report with no goroutine header in the "
            f"{PREAMBLE_LIMIT} lines after its first line"
        )

    # -- debug=2 ----------------------------------------------------------------------------
    def _debug2(
        self, lineno: int, line: str, last: bool, numbered: Iterator[tuple[int, str, bool]]
    ) -> Iterator[Event]:
        dump = 0
        seen: set[int] = set()
        yield DumpStart(lineno, 2, dump)
        rec: Record | None = self._header(lineno, line, dump)
        expect_file = False  # the previous line was a frame (or created by): a \tfile follows
        skip_block = False  # inside "runtime stack:" or an ancestor traceback
        ended = last
        while not ended:
            try:
                lineno, line, last = next(numbered)
            except StopIteration:
                break
            ended = last
            if expect_file:
                expect_file = False
                if line.startswith("\t"):
                    where = FILE_LINE.match(line)
                    if where is None:
                        if last:
                            rec = _truncated(rec)
                            break
                        raise self.error(lineno, line, "'\\tFILE:LINE +0xPC' after a frame")
                    if rec is not None and not skip_block and not rec.created_by:
                        rec.files.append(f"{where.group(1)}:{where.group(2)}")  # not a creator's
                    continue
                if last:
                    rec = _truncated(rec)
                    break
                raise self.error(lineno, line, "'\\tFILE:LINE +0xPC' after a frame")
            if not line:
                if rec is not None:
                    yield rec
                rec, skip_block = None, False
                continue
            if rec is None and not skip_block:
                # between records
                if HEADER.match(line):
                    rec = self._header(lineno, line, dump)
                    if rec.goroutine in seen:  # the same id again: another dump follows
                        dump += 1
                        seen.clear()
                        rec.dump = dump
                        yield DumpStart(lineno, 2, dump)
                    seen.add(rec.goroutine)
                    continue
                if line == "runtime stack:":
                    skip_block = True
                    continue
                if TRAILER.match(line):
                    continue
                if last:
                    break  # a cut header at the very end
                raise self.error(lineno, line, "a goroutine header ('goroutine N [state]:')")
            if skip_block:
                if line.startswith("\t"):
                    continue
                expect_file = not line.startswith(("...", "[originating"))
                continue
            assert rec is not None
            if line.startswith("goroutine ") and HEADER.match(line):  # no blank line between
                yield rec
                rec = self._header(lineno, line, dump)
                if rec.goroutine in seen:
                    dump += 1
                    seen.clear()
                    rec.dump = dump
                    yield DumpStart(lineno, 2, dump)
                seen.add(rec.goroutine)
                continue
            if rec.created_by:
                if last:
                    rec.truncated = True
                    break
                raise self.error(lineno, line, "a blank line after 'created by'")
            if line.startswith("created by "):
                match = CREATED_BY.match(line)
                if match is None:  # "created by " and nothing after it
                    if last:
                        rec = _truncated(rec)
                        break
                    raise self.error(lineno, line, "a function after 'created by'")
                rec.created_by = match.group(1)
                if match.group(2):
                    rec.parent = int(match.group(2))
                expect_file = True
                continue
            if line == ELIDED:
                rec.elided = True
                continue
            if line == OTHER_THREAD or line.startswith("non-Go function"):
                continue
            if line.startswith("[originating from goroutine"):
                skip_block = True  # ancestors' frames are not this goroutine's stack
                yield rec
                rec = None
                continue
            paren = line.rfind("(")
            if paren > 0 and line[-1] == ")" and line[0] != "\t":
                rec.calls.append(line)
                expect_file = True
                continue
            if last:
                rec = _truncated(rec)
                break
            raise self.error(lineno, line, "a frame ('package.function(args)') or a blank line")
        if rec is not None:
            if expect_file:
                rec = _truncated(rec)
            if rec is not None:
                yield rec

    def _header(self, lineno: int, line: str, dump: int) -> Record:
        match = HEADER.match(line)
        assert match is not None
        rec = Record(line=lineno, debug=2, dump=dump, goroutine=int(match.group(1)))
        inside = match.group(2).split(", ")
        status = inside[0]
        for flag in STATUS_FLAGS:
            status = status.replace(flag, "")
        rec.status = status
        for extra in inside[1:]:
            minutes = MINUTES.match(extra)
            if minutes:
                rec.minutes = int(minutes.group(1))
            elif extra == "locked to thread":
                rec.locked = True
        return rec

    # -- debug=1 ----------------------------------------------------------------------------
    def _debug1(
        self, lineno: int, line: str, numbered: Iterator[tuple[int, str, bool]]
    ) -> Iterator[Event]:
        dump = 0
        total = TOTAL.match(line)
        assert total is not None
        yield DumpStart(lineno, 1, dump, int(total.group(1)))
        rec: Record | None = None
        for lineno, line, last in numbered:
            if not line:
                if rec is not None:
                    yield rec
                rec = None
                continue
            if line.startswith("#\t"):
                parts = [p for p in line.split("\t") if p]
                if (
                    rec is None
                    or len(parts) < 3
                    or not parts[1].startswith("0x")
                    or (len(parts) > 3 and not DEBUG1_FILE.match(parts[3]))
                ):
                    if last and rec is not None:
                        rec.truncated = True
                        break
                    raise self.error(lineno, line, "'#\\t0xPC\\tfunction+0xOFF\\tFILE:LINE'")
                rec.calls.append(parts[2])
                rec.files.append(parts[3] if len(parts) > 3 else "")
                continue
            if line.startswith("# labels:") and rec is not None:
                continue
            group = GROUP.match(line)
            if group:
                if rec is not None:
                    yield rec
                rec = Record(line=lineno, debug=1, dump=dump, count=int(group.group(1)))
                continue
            total = TOTAL.match(line)
            if total:
                if rec is not None:
                    yield rec
                rec = None
                dump += 1
                yield DumpStart(lineno, 1, dump, int(total.group(1)))
                continue
            if last:
                if rec is not None:
                    rec.truncated = True
                break
            raise self.error(lineno, line, "'COUNT @ 0xPC ...' or a '#\\t0xPC' frame line")
        if rec is not None:
            yield rec


def _truncated(rec: Record | None) -> Record | None:
    """The record a cut-off last line ends: kept, marked truncated."""
    if rec is not None:
        rec.truncated = True
    return rec
