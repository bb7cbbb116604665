"""Generated and damaged dumps: a result or lsim's own one-line error, never a traceback."""

from __future__ import annotations

import gzip
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lsim.analyze.census import analyze_files
from lsim.analyze.profile import analysis_profile
from lsim.analyze.source import DumpFormatError
from lsim.errors import LsimError
from lsim.profile.model import Profile
from tests.analyze.helpers import ALLOY, FIXTURES, GO119, GO127, blocked_frames, goroutine

OPS = ["GetOrAddGlobalRefID", "GetLocalRefID", "TrackStaleness", "Collect"]
STATUSES = ["running", "runnable", "sleep", "select", "chan receive", "IO wait", "syscall"]
SEEDS = [p.read_bytes() for p in (*GO119, *GO127)]


@st.composite
def record(draw: st.DrawFn, gid: int, new: bool) -> tuple[str, bool, str]:
    """One goroutine record, and whether it is blocked in the store (and in which op)."""
    op = draw(st.sampled_from(OPS))
    kind = draw(st.sampled_from(["mutex", "r", "w", "other", "idle"]))
    minutes = draw(st.sampled_from(["", ", 3 minutes", ", 61 minutes"]))
    parent = 1 if new else None
    if kind == "idle":
        status = draw(st.sampled_from(STATUSES))
        frames = ["runtime.gopark", "main.loop"] if status != "running" else ["main.loop"]
        return goroutine(gid, status, frames, parent=parent), False, ""
    if kind == "other":
        frames = ["sync.runtime_SemacquireMutex", "sync.(*Mutex).Lock", "tsdb.(*DB).Append"]
        status = "sync.Mutex.Lock" if new else "semacquire"
        return goroutine(gid, status + minutes, frames, parent=parent), False, ""
    frames = blocked_frames(op, "" if kind == "mutex" else kind)
    if not new:
        frames = [f.replace("internal/sync.", "sync.") for f in frames if "(*Mutex).Lock" not in f
                  or not f.startswith("internal/")]  # fmt: skip
    state = {"mutex": "sync.Mutex.Lock", "r": "sync.RWMutex.RLock", "w": "sync.RWMutex.Lock"}
    status = state[kind] if new else "semacquire"
    return goroutine(gid, status + minutes, frames, parent=parent), True, op


@st.composite
def dump(draw: st.DrawFn) -> tuple[str, int, dict[str, int]]:
    new = draw(st.booleans())
    n = draw(st.integers(1, 40))
    ids = draw(st.lists(st.integers(1, 10**6), min_size=n, max_size=n, unique=True))
    parts, by_op = [], {}
    for gid in ids:
        text, blocked, op = draw(record(gid, new))
        parts.append(text)
        if blocked:
            by_op[op] = by_op.get(op, 0) + 1
    return "\n".join(parts), n, by_op


def check_profile(profile: Profile) -> None:
    from lsim.render import RENDERER_NAMES, get_renderer

    for name in RENDERER_NAMES:
        renderer = get_renderer(name)
        if renderer.applies_to(profile):
            renderer.render(profile)


@settings(max_examples=60)
@given(dump())
def test_generated_dumps_are_counted_exactly(tmp_path_factory: object, case: tuple) -> None:
    text, n, by_op = case
    path = Path(tmp_path_factory.mktemp("g")) / "d.txt"  # type: ignore[attr-defined]
    path.write_text(text)
    analysis = analyze_files([path], read_source=False)
    (d,) = analysis.dumps
    assert d.goroutines == n
    assert d.blocked_by_operation() == by_op
    check_profile(analysis_profile(analysis))


def _damage(data: bytes, draw: st.DrawFn) -> bytes:
    how = draw(st.sampled_from(["cut", "flip", "insert", "delete", "dup", "lines"]))
    if not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    if how == "cut":
        return data[:at]
    if how == "flip":
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    if how == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=40)) + data[at:]
    if how == "delete":
        return data[:at] + data[at + draw(st.integers(1, 200)) :]
    if how == "dup":
        return data[:at] + data[at : at + 300] + data[at:]
    lines = data.split(b"\n")
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


@settings(max_examples=200)
@given(st.data())
def test_damaged_dumps_give_a_result_or_a_one_line_error(tmp_path_factory: object,
                                                        data: st.DataObject) -> None:  # fmt: skip
    raw = data.draw(st.sampled_from(SEEDS))
    for _ in range(data.draw(st.integers(1, 3))):
        raw = _damage(raw, data.draw)
    if data.draw(st.booleans()):
        raw = gzip.compress(raw)
        if data.draw(st.booleans()):
            raw = _damage(raw, data.draw)
    path = Path(tmp_path_factory.mktemp("d")) / "d.txt"  # type: ignore[attr-defined]
    path.write_bytes(raw)
    try:
        analysis = analyze_files([path], read_source=False)
    except LsimError as error:
        assert isinstance(error, DumpFormatError)
        assert "\n" not in str(error) and str(error).startswith(str(path))
        return
    assert all(d.goroutines == sum(d.cells.values()) for d in analysis.dumps)
    check_profile(analysis_profile(analysis))


@settings(max_examples=100)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(tmp_path_factory: object, raw: bytes) -> None:
    path = Path(tmp_path_factory.mktemp("b")) / "b"  # type: ignore[attr-defined]
    path.write_bytes(raw)
    try:
        analyze_files([path], read_source=False)
    except DumpFormatError as error:
        assert "\n" not in str(error)


def test_seed_corpus_is_the_fixtures() -> None:
    assert len(SEEDS) >= 10 and (FIXTURES / "go1.27-sharded.txt.gz").exists()
    assert ALLOY.endswith("labelstore")
