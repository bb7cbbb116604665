"""The per-release table: which release gets which conventions."""

from __future__ import annotations

from lsim.render.frames import frame
from lsim.render.gorelease import (
    CURRENT,
    GO119,
    GO125,
    GO126,
    is_inlined,
    release,
    shown_in_dump,
)
from lsim.render.stacks import DEFAULT_GO_VERSION

CHECKED = (GO119, GO125, GO126)


def test_releases_pick_their_table() -> None:
    assert release((1, 19)) is GO119 and release((1, 18)) is GO119
    assert release((1, 24)) is GO125 and release((1, 25)) is GO125
    assert release((1, 26)) is GO126 and release((1, 27)) is GO126
    r121, r122 = release((1, 21)), release((1, 22))
    assert r121.created_in_goroutine and not r121.mutex_charges_queue
    assert r122.mutex_charges_queue and not release((1, 20)).created_in_goroutine


def test_the_default_is_what_alloy_builds_with_and_help_says_so() -> None:
    from lsim.cli.profile_cmd import HELP_GO_VERSION

    assert CURRENT is GO126 and DEFAULT_GO_VERSION == "1.26" == HELP_GO_VERSION


def test_switches_per_release() -> None:
    assert not GO119.new_wait_reasons and not GO119.created_in_goroutine
    assert not GO119.mutex_charges_queue  # golang/go#61015 landed in 1.22
    for table in (GO125, GO126):
        assert table.new_wait_reasons and table.created_in_goroutine
        assert table.mutex_charges_queue and table.exact_integers
    assert GO126.random_heap and not GO125.random_heap and not GO119.exact_integers


def test_public_lock_frame_is_last_and_inlined_for_a_mutex() -> None:
    for table in CHECKED:
        wait = table.lock_wait["sync.Mutex.Lock"]
        assert wait[-1].function == "sync.(*Mutex).Lock" and is_inlined(wait[-1])
        assert not is_inlined(wait[0])  # the semaphore frame has a PC of its own
        assert not is_inlined(table.lock_wait["sync.RWMutex.Lock"][-1])  # not inlined
        assert table.dumper[0].function == "runtime/pprof.writeGoroutineStacks"
        assert table.unlock[("mutex", "write")][-1].function == "sync.(*Mutex).Unlock"


def test_runtime_frames_are_hidden_in_a_dump_and_parked_goroutines_start_at_gopark() -> None:
    for table in CHECKED:
        for frames in table.park.values():
            assert not any(shown_in_dump(f) for f in frames)
        assert table.park["semacquire"][0].function == "runtime.gopark"
        assert table.park["select"][-1].function == "runtime.selectgo"
        assert table.goexit is not None and not shown_in_dump(table.goexit)
        assert all(shown_in_dump(f) for f in table.lock_wait["sync.Mutex.Lock"])
    assert shown_in_dump(frame("runtime.Stack", "runtime/mprof.go", 1))  # exported: shown
