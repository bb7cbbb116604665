"""The Go-``sync.Map``-like structure behind the ``syncmap`` design."""

from __future__ import annotations

import threading

import pytest

from lsim.stores.syncmap import SyncMap


def mu_acquisitions(m: SyncMap[str, object]) -> int:
    count: int = m.mu.snapshot()["acquisitions"]
    return count


def test_load_of_a_missing_key_is_none() -> None:
    m: SyncMap[str, object] = SyncMap("test")
    assert m.load("a") is None
    assert m.items() == []
    assert mu_acquisitions(m) == 0  # nothing amended: no lock needed to say "absent"


def test_load_or_store_keeps_the_first_value() -> None:
    m: SyncMap[str, object] = SyncMap("test")
    first, second = object(), object()
    assert m.load_or_store("a", first) is first
    assert m.load_or_store("a", second) is first
    assert m.load("a") is first


def test_misses_promote_the_dirty_map() -> None:
    m: SyncMap[str, object] = SyncMap("test")
    values = {k: object() for k in "abc"}
    for k, v in values.items():
        m.load_or_store(k, v)
    assert m.promotions == 0
    # Each load that has to go to the dirty map is a miss; promotion at misses >= len(dirty).
    assert m.load("a") is values["a"]
    assert m.load("b") is values["b"]
    assert m.promotions == 0
    assert m.load("zzz") is None  # a miss too, even though the key is nowhere
    assert m.promotions == 1
    locked = mu_acquisitions(m)
    assert [m.load(k) for k in "abc"] == list(values.values())
    assert m.load("zzz") is None
    assert mu_acquisitions(m) == locked  # promoted: reads take no lock


def test_new_key_after_promotion_copies_the_snapshot() -> None:
    m: SyncMap[str, int] = SyncMap("test")
    m.load_or_store("a", 1)
    m.load("a")
    assert m.promotions == 1
    m.load_or_store("b", 2)
    assert m.load("a") == 1  # from the snapshot, no lock
    assert sorted(m.items()) == [("a", 1), ("b", 2)]  # Range promotes first
    assert m.promotions == 2


def test_load_or_store_hit_in_dirty_counts_a_miss() -> None:
    m: SyncMap[str, int] = SyncMap("test")
    m.load_or_store("a", 1)
    assert m.load_or_store("a", 5) == 1
    assert m.promotions == 1


@pytest.mark.timeout(60)
def test_racing_stores_agree_on_one_value_per_key() -> None:
    m: SyncMap[int, object] = SyncMap("test")
    threads, keys = 64, 20
    barrier = threading.Barrier(threads)
    results: list[list[object]] = [[] for _ in range(threads)]

    def worker(t: int) -> None:
        barrier.wait()
        for k in range(keys):
            results[t].append(m.load_or_store((k + t) % keys, object()))
            m.load(k)

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join(30)
    assert not any(th.is_alive() for th in pool)
    final = dict(m.items())
    assert len(final) == keys
    for t in range(threads):
        for k in range(keys):
            assert results[t][k] is final[(k + t) % keys]
