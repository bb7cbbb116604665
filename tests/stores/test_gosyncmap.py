"""Go 1.19's sync.Map (``lsim/stores/gosyncmap.py``): its values, and that :func:`map_path`
says exactly which calls take the map's mutex (the model charges by it)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsim.stores.gosyncmap import (
    DELETE,
    LOAD,
    LOAD_OR_STORE,
    RANGE,
    STORE,
    MapCall,
    MapPath,
    SyncMap,
    map_path,
)

CALLS = (LOAD, STORE, LOAD_OR_STORE, DELETE, RANGE)
Op = tuple[str, int, int]  # (call, key, value)
ops = st.lists(st.tuples(st.sampled_from(CALLS), st.integers(0, 6), st.integers(1, 99)),
               max_size=80)  # fmt: skip


def acquisitions(m: SyncMap[Any, Any]) -> int:
    count: int = m.mu.snapshot()["acquisitions"]
    return count


def apply(m: SyncMap[int, int], call: str, key: int, value: int) -> object:
    if call == LOAD:
        return m.load(key)
    if call == STORE:
        m.store(key, value)
        return None
    if call == LOAD_OR_STORE:
        return m.load_or_store(key, value)
    if call == DELETE:
        return m.load_and_delete(key)
    return sorted(m.items())


@settings(max_examples=300, deadline=None)
@given(ops)
def test_values_are_a_dicts_and_map_path_is_the_path_taken(sequence: list[Op]) -> None:
    m: SyncMap[int, int] = SyncMap("test")
    want: dict[int, int] = {}
    for call, key, value in sequence:
        predicted = map_path(m, call, key)
        before, promotions, had = acquisitions(m), m.promotions, key in want
        got = apply(m, call, key, value)
        assert acquisitions(m) - before == int(predicted.locked), (call, key, predicted)
        if call == LOAD:
            assert got == want.get(key)
        elif call == STORE:
            want[key] = value
        elif call == LOAD_OR_STORE:
            assert got == want.setdefault(key, value)
        elif call == DELETE:
            assert got == want.pop(key, None)
        else:
            assert got == sorted(want.items())
            assert predicted.visited >= len(want)
        if call != RANGE:
            assert predicted.found is had
        if predicted.copied:  # a new key after a promotion: the snapshot is copied
            assert call in (STORE, LOAD_OR_STORE) and m.promotions == promotions
        assert m.snapshot() == want


def test_the_expensive_paths_go_1_19_takes() -> None:
    m: SyncMap[int, int] = SyncMap("test")
    assert map_path(m, STORE, 1) == MapPath(True, False, copied=0)  # new key, empty snapshot
    for k in range(3):
        m.store(k, k)
    assert map_path(m, LOAD, 0) == MapPath(True, True)  # in the dirty map only
    for k in range(3):
        m.load(k)  # three misses: promoted
    assert m.promotions == 1
    assert map_path(m, LOAD, 0) == MapPath(False, True)
    assert map_path(m, STORE, 0) == MapPath(False, True)  # a CAS on the entry
    assert map_path(m, STORE, 9) == MapPath(True, False, copied=3)  # the snapshot is copied
    m.load_and_delete(1)  # in the snapshot: lock-free, the entry is left deleted
    m.store(9, 9)  # the copy leaves the deleted entry out (expunged)
    assert map_path(m, STORE, 1) == MapPath(True, False)  # an expunged entry needs mu
    assert map_path(m, LOAD, 1) == MapPath(False, False)
    assert map_path(m, RANGE) == MapPath(True, True, visited=3)  # promotes first


def test_a_trace_records_each_call_and_its_path() -> None:
    trace: list[MapCall] = []
    m: SyncMap[str, int] = SyncMap("labelstore.x(sync.Map).mu", trace)
    m.load_or_store("a", 1)
    m.load("a")
    assert trace == [("labelstore.x(sync.Map).mu", LOAD_OR_STORE, MapPath(True, False)),
                     ("labelstore.x(sync.Map).mu", LOAD, MapPath(True, True))]  # fmt: skip


@pytest.mark.timeout(60)
def test_racing_stores_and_deletes_lose_no_store() -> None:
    """Stores racing deletes, loads and snapshot copies: after them, every key holds the
    last value its one writer stored (a store lost to an expunge would be missing)."""
    m: SyncMap[int, int] = SyncMap("test")
    threads, rounds = 8, 300
    barrier = threading.Barrier(threads + 1)
    stop = threading.Event()

    def writer(t: int) -> None:
        barrier.wait()
        for r in range(rounds):
            m.store(t, r)
            m.load_and_delete(t)
            m.store(t, r + 1)
            m.store(100 + t * rounds + r, 1)  # a new key: copies after each promotion

    def reader() -> None:
        barrier.wait()
        while not stop.is_set():
            for k in range(threads):
                m.load(k)
            m.items()

    pool = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    churn = threading.Thread(target=reader)
    for th in [*pool, churn]:
        th.start()
    for th in pool:
        th.join(30)
    stop.set()
    churn.join(30)
    assert not any(th.is_alive() for th in [*pool, churn])
    final = dict(m.items())
    assert all(final[t] == rounds for t in range(threads))
    assert len(final) == threads + threads * rounds
