"""The per-release table: which release gets which conventions."""

from __future__ import annotations

from lsim.render.gorelease import GO119, GO124, is_inlined, release


def test_releases_pick_their_table() -> None:
    assert release((1, 19)) is GO119 and release((1, 18)) is GO119
    assert release((1, 24)) is GO124 and release((1, 27)) is GO124
    r121, r122 = release((1, 21)), release((1, 22))
    assert r121.created_in_goroutine and not r121.mutex_charges_queue
    assert r122.mutex_charges_queue and not release((1, 20)).created_in_goroutine


def test_switches_per_release() -> None:
    assert not GO119.new_wait_reasons and not GO119.created_in_goroutine
    assert not GO119.mutex_charges_queue  # golang/go#61015 landed in 1.22
    assert GO124.new_wait_reasons and GO124.created_in_goroutine and GO124.mutex_charges_queue


def test_public_lock_frame_is_last_and_inlined_for_a_mutex() -> None:
    for table in (GO119, GO124):
        wait = table.lock_wait["sync.Mutex.Lock"]
        assert wait[-1].function == "sync.(*Mutex).Lock" and is_inlined(wait[-1])
        assert not is_inlined(wait[0])  # the semaphore frame has a PC of its own
        assert not is_inlined(table.lock_wait["sync.RWMutex.Lock"][-1])  # not inlined
        assert table.dumper[0].function == "runtime/pprof.writeGoroutineStacks"
