"""lsim's Go formats beside real Go 1.19, 1.25 and 1.26 output kept in-tree (issue 12).

Each ``real/go1.X-*.json`` is a go-engine profile made on the test machine with that Go
(``tests/render/real/README.md``): it keeps what real Go wrote in its census run. These
tests render the same profile with lsim for the release that ran and compare the two
structurally (``tests/render/realgo.py``); they need no Go toolchain, so they run
everywhere. ``tests/engine/go/test_real_go_formats.py`` does the same on a fresh run of
the Go installed on the machine.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lsim.profile.kept_dump import kept_pprof
from lsim.profile.model import Profile, load_profile
from lsim.render.pprof import PprofRenderer
from tests.render import realgo

REAL = Path(__file__).parent / "real"
CONTENDED = sorted(REAL.glob("go*-contended.json"))
PACED = sorted(REAL.glob("go*-paced.json"))


@pytest.fixture(scope="module", params=CONTENDED, ids=lambda p: p.stem)
def contended(request: pytest.FixtureRequest) -> Profile:
    return load_profile(request.param)


@pytest.fixture(scope="module", params=PACED, ids=lambda p: p.stem)
def paced(request: pytest.FixtureRequest) -> Profile:
    return load_profile(request.param)


def test_fixtures_cover_the_claimed_releases() -> None:
    releases = {realgo.release_of(load_profile(p)) for p in CONTENDED}
    assert releases == {"1.19", "1.25", "1.26"}
    assert {realgo.release_of(load_profile(p)) for p in PACED} == {"1.19", "1.26"}


def test_every_header_reads_and_wait_reasons_agree(contended: Profile) -> None:
    real = realgo.goroutines(realgo.real_dump(contended))
    ours = realgo.goroutines(realgo.lsim_dump(contended))
    workers = {"runnable", "semacquire", "sync.Mutex.Lock"}
    assert {g.reason for g in ours} - {"running"} <= workers
    assert {g.reason for g in ours if g.reason != "running"} <= {g.reason for g in real}
    # "created by ... in goroutine N" exactly where the release prints it
    created = {g.created_in for g in real if g.created_in is not None}
    assert {g.created_in for g in ours} == created and len(created) == 1


def test_lock_waits_print_like_the_real_dump(contended: Profile) -> None:
    """The frame sequence, line numbers, (...) and +0x of every lock waiter, blocked or
    woken, are ones the real dump has; and a woken waiter is [runnable] on both sides."""
    real = realgo.lock_waits(realgo.real_dump(contended))
    ours = realgo.lock_waits(realgo.lsim_dump(contended))
    assert real and ours
    assert {reason for reason, _ in ours} <= {reason for reason, _ in real}
    assert set(ours) <= set(real), (sorted(set(ours)), sorted(set(real)))
    woken_real = sum(1 for reason, _ in real if reason == "runnable")
    woken_ours = sum(1 for reason, _ in ours if reason == "runnable")
    assert woken_ours == woken_real  # the census kept which runnable goroutines those are


def test_one_running_goroutine_the_one_writing_the_dump(contended: Profile) -> None:
    for dump in (realgo.real_dump(contended), realgo.lsim_dump(contended)):
        running = [g for g in realgo.goroutines(dump) if g.reason == "running"]
        assert len(running) == 1
    ours = [g for g in realgo.goroutines(realgo.lsim_dump(contended)) if g.reason == "running"]
    assert ours[0].frames[0][0] == "runtime/pprof.writeGoroutineStacks"


def test_a_scrape_loop_between_scrapes_waits_in_select(paced: Profile) -> None:
    """Real workers wait for their next batch in a select on a timer, as Prometheus'
    scrapeLoop.run does on its ticker; lsim prints them [select] in scrapeLoop.run, with
    the runtime's gopark/selectgo hidden as in the real dump."""
    real = realgo.goroutines(realgo.real_dump(paced))
    ours = realgo.goroutines(realgo.lsim_dump(paced))
    loop = "github.com/prometheus/prometheus/scrape.(*scrapeLoop).run"
    real_waits = [g for g in real if g.frames and g.frames[0][0].endswith("(*Executor).wait")]
    waits = [g for g in ours if g.frames and g.frames[0][0] == loop]
    # [select], or [runnable] for one whose timer fired that has not run yet: the census
    # keeps which those are, so both dumps of the same moment split alike
    assert real_waits and {g.reason for g in real_waits} <= {"select", "runnable"}
    assert sorted(g.reason for g in waits) == sorted(g.reason for g in real_waits)
    assert not any(fr[0].startswith("runtime.") for g in real + ours for fr in g.frames)
    assert "[sleep]" not in realgo.lsim_dump(paced)


def test_debug1_prints_like_the_real_goroutine_profile(contended: Profile) -> None:
    real = realgo.debug1_shape(realgo.real_debug1(contended))
    ours = realgo.debug1_shape(realgo.lsim_dump(contended, debug=1))
    assert real == ours == dict.fromkeys(real, True)
    _, real_records = realgo.debug1_records(realgo.real_debug1(contended))
    _, our_records = realgo.debug1_records(realgo.lsim_dump(contended, debug=1))
    # the first printed frame of a lock waiter and of a goroutine yielding in Unlock (the
    # real profile is one moment, lsim's the census: compared where both have an example)
    for marker in ("Semacquire", "Semrelease"):
        real = {r.functions[0] for r in real_records if marker in r.functions[0]}
        ours = {r.functions[0] for r in our_records if marker in r.functions[0]}
        if real and ours:
            assert ours == real
    # the writer's own frames, from runtime/pprof down to WriteTo
    writer = [r for r in our_records if "runtime/pprof.writeRuntimeProfile" in r.functions]
    real_writer = [r for r in real_records if "runtime/pprof.writeRuntimeProfile" in r.functions]
    assert writer[0].functions[:3] == real_writer[0].functions[:3]


def test_goroutine_profile_keeps_the_runtime_frames(contended: Profile) -> None:
    """Real goroutine profiles have every frame: a lock waiter sits under runtime.gopark,
    goparkunlock and semacquire1, a goroutine handing the lock off in Unlock under
    semrelease1's goyield. lsim's have the same frames in the same order. (The real profile
    is one moment, lsim's the census: compared where both have an example.)"""
    real, ours = (
        realgo.real_pprof(contended, "goroutine"),
        realgo.lsim_pprof(contended, "goroutine"),
    )
    assert ours.sample_types == real.sample_types == [("goroutine", "count")]
    assert ours.period_type == real.period_type
    assert "runtime.gopark" in realgo.leaves(ours)
    assert realgo.parked_under(ours, "Semacquire")  # the census always has waiters here
    for marker in ("Semacquire", "Semrelease"):
        seen, mine = realgo.parked_under(real, marker), realgo.parked_under(ours, marker)
        if seen and mine:
            assert mine <= seen


@pytest.mark.parametrize("kind", ["block", "mutex"])
def test_contention_profiles_have_real_types_leaves_and_inlining(
    contended: Profile, kind: str
) -> None:
    real, ours = realgo.real_pprof(contended, kind), realgo.lsim_pprof(contended, kind)
    assert (
        ours.sample_types
        == real.sample_types
        == [
            ("contentions", "count"),
            ("delay", "nanoseconds"),
        ]
    )
    assert realgo.lock_leaves(ours) == realgo.lock_leaves(real)
    assert realgo.inlined_leaf_shares_location(ours) and realgo.inlined_leaf_shares_location(real)
    store_names = {f for f in (pp_f[0] for pp_f in ours.functions.values()) if "labelstore" in f}
    real_names = {f for f in (pp_f[0] for pp_f in real.functions.values()) if "labelstore" in f}
    assert store_names <= real_names


def as_lsim_engines_measure(profile: Profile) -> Profile:
    """The go-engine profile as lsim's threads and model engines would record it: they
    charge an unlocker with every waiter's wait (Go >= 1.22's accounting), so the renderer
    applies the release's own accounting (a go-engine profile is already real Go's)."""
    modelled = copy.deepcopy(profile)
    modelled.engine = "model"
    for lock in modelled.locks:
        lock.delay_by_unlocker = {op: list(v) for op, v in lock.wait_by_operation.items()}
    return modelled


def test_mutex_to_block_ratio_within_an_order_of_magnitude(contended: Profile) -> None:
    """Go 1.19 charges about one hold per wake-up (its mutex profile ~100x below the block
    profile on a deep queue), Go >= 1.22 every queued waiter (about equal): lsim's
    mutex/block ratio, from the waits alone, is within 10x of the real one of each release."""
    real = realgo.store_total(realgo.real_pprof(contended, "mutex")) / realgo.store_total(
        realgo.real_pprof(contended, "block")
    )
    modelled = as_lsim_engines_measure(contended)
    ours = realgo.total(realgo.lsim_pprof(modelled, "mutex")) / realgo.total(
        realgo.lsim_pprof(modelled, "block")
    )
    assert real / 10 <= ours <= real * 10, (ours, real)


def test_panicparse_buckets_about_as_many(contended: Profile) -> None:
    real = realgo.panicparse_buckets(realgo.real_dump(contended))
    if real is None:
        pytest.skip(reason="panicparse not installed (apt-get install panicparse)")
    ours = realgo.panicparse_buckets(realgo.lsim_dump(contended))
    assert ours is not None and real / 2 <= ours <= real * 2, (ours, real)


@pytest.mark.skipif(
    shutil.which("go") is None, reason="go tool pprof needs Go (apt-get install golang-go)"
)
@pytest.mark.parametrize("kind", ["block", "mutex"])  # goroutine: one moment, see above
def test_go_tool_pprof_top_puts_flat_on_the_same_function(
    contended: Profile, kind: str, tmp_path: Path
) -> None:
    """``go tool pprof -top``'s first row (the most flat time) names the same function,
    ``(inline)`` mark included, for lsim's profile and the real one of the same run."""

    def top(data: bytes, name: str) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        env = {**os.environ, "HOME": str(tmp_path), "PPROF_TMPDIR": str(tmp_path)}
        done = subprocess.run(
            ["go", "tool", "pprof", "-top", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=True,
        )
        lines = done.stdout.splitlines()
        header = next(i for i, line in enumerate(lines) if line.strip().startswith("flat"))
        return " ".join(lines[header + 1].split()[5:])

    real = kept_pprof(contended, kind)
    assert real is not None
    ours = PprofRenderer(kind=kind, go_version=realgo.release_of(contended)).render(contended)
    assert isinstance(ours, bytes)
    assert top(ours, "ours.pb.gz") == top(real, "real.pb.gz")


def test_the_strict_frame_grammar_reads_every_real_frame(contended: Profile) -> None:
    """The argument grammar lsim's dump tests hold lsim to (words, ``?``, ``{ptr, len}``,
    ``(...)``) is the one real frames use."""
    from tests.render.test_goroutines_render import FUNC

    lines = [
        line
        for line in realgo.real_dump(contended).splitlines()
        if line and not line.startswith(("goroutine ", "\t", "created by "))
    ]
    assert lines and all(FUNC.match(line) for line in lines), [
        line for line in lines if not FUNC.match(line)
    ][:5]
