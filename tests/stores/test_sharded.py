"""Sharded specifics: id encoding, routing, out-of-range ids, per-shard lifecycle."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lsim.labels import HashLayout
from lsim.stores import (
    STALE_NAN,
    MutexStore,
    ShardedStore,
    StalenessTracker,
    create_store,
    decode_shard_id,
    encode_shard_id,
)
from lsim.sync.states import LABELSTORE_OPERATIONS
from tests.stores.helpers import FakeClock, local_part, series

U64 = st.integers(min_value=0, max_value=(1 << 64) - 1)


@given(st.integers(0, 255), st.integers(0, (1 << 56) - 1))
def test_encode_then_decode_round_trips(shard: int, local: int) -> None:
    assert decode_shard_id(encode_shard_id(shard, local)) == (shard, local)


@given(U64)
def test_decode_then_encode_round_trips(global_id: int) -> None:
    shard, local = decode_shard_id(global_id)
    assert 0 <= shard < 256
    assert encode_shard_id(shard, local) == global_id


@given(st.integers(0, 255), st.integers(0, (1 << 56) - 1))
def test_shard_lives_in_the_top_eight_bits(shard: int, local: int) -> None:
    global_id = encode_shard_id(shard, local)
    assert global_id >> 56 == shard and global_id < 1 << 64


@pytest.mark.parametrize(("shard", "local"), [(256, 1), (-1, 1), (0, 1 << 56), (3, -1)])
def test_encode_rejects_out_of_range(shard: int, local: int) -> None:
    with pytest.raises(ValueError):
        encode_shard_id(shard, local)


def sharded(shards: int, **options: object) -> ShardedStore:
    store = create_store("sharded", shards=shards, **options)
    assert isinstance(store, ShardedStore)
    return store


@pytest.mark.parametrize("shards", [1, 3, 64, 256])
def test_ids_route_by_hash_mod_shards(shards: int) -> None:
    store = sharded(shards)
    for i in range(100):
        labels = series(i)
        gid = store.get_or_add_global_ref_id(labels)
        assert gid >> 56 == labels.hash(HashLayout.STRINGLABELS) % shards
        assert store.get_or_add_link("component_0", i + 1, labels) == gid


def test_routing_follows_the_layout() -> None:
    store = sharded(64, layout=HashLayout.SLICELABELS)
    for i in range(50):
        labels = series(i)
        expected = labels.hash(HashLayout.SLICELABELS) % 64
        assert store.get_or_add_global_ref_id(labels) >> 56 == expected


def test_injected_hasher_routes_and_each_shard_counts_from_one() -> None:
    store = sharded(8, hasher=lambda labels: int(labels.get("i")))
    ids = [store.get_or_add_global_ref_id(series(i)) for i in range(20)]
    assert [gid >> 56 for gid in ids] == [i % 8 for i in range(20)]
    assert [local_part(gid) for gid in ids] == [i // 8 + 1 for i in range(20)]


def test_single_shard_ids_equal_the_plain_store() -> None:
    one, plain = sharded(1), MutexStore()
    for i in range(20):
        assert one.get_or_add_global_ref_id(series(i)) == plain.get_or_add_global_ref_id(series(i))


def test_default_is_64_shards() -> None:
    store = create_store("sharded")
    assert isinstance(store, ShardedStore)
    assert store.shard_count == 64 and len(store.locks()) == 64


@pytest.mark.parametrize("shard_bits", [4, 5, 200, 255, 256, 300])
def test_out_of_range_shard_is_zero_or_noop(shard_bits: int) -> None:
    store = sharded(4)
    gid = store.get_or_add_global_ref_id(series(1))
    store.add_local_link("component_0", gid, 5)
    before = store.collect()
    bogus = shard_bits << 56 | local_part(gid)
    assert store.get_local_ref_id("component_0", bogus) == 0
    store.add_local_link("component_0", bogus, 6)
    store.add_local_link("component_9", bogus, 6)
    store.replace_local_link("component_0", bogus, 5, 7)
    store.replace_local_link("component_9", bogus, 5, 7)
    store.track_staleness([StalenessTracker(bogus, STALE_NAN, series(1))])
    assert store.collect() == before
    assert store.check_and_remove_stale_markers(now=10**12) == 0
    assert store.get_local_ref_id("component_0", gid) == 5


def test_negative_id_is_unknown() -> None:
    store = sharded(4)
    assert store.get_local_ref_id("component_0", -1) == 0
    store.add_local_link("component_0", -1, 3)
    assert store.collect()["ids_per_component"] == {}


def test_calls_with_an_id_reach_the_shard_it_names() -> None:
    store = sharded(4, hasher=lambda labels: int(labels.get("i")))
    gid = store.get_or_add_global_ref_id(series(2))  # shard 2, per-shard id 1
    store.add_local_link("component_0", gid, 50)
    assert store.shards[2].get_local_ref_id("component_0", 1) == 50
    for other in (0, 1, 3):
        assert store.shards[other].collect()["ids_per_component"] == {}
    store.replace_local_link("component_0", gid, 50, 51)
    assert store.shards[2].link_tables("component_0") == ({51: 1}, {1: 51})


def test_staleness_and_gc_across_shards() -> None:
    clock = FakeClock()
    store = sharded(4, clock=clock)
    ids = [store.get_or_add_link("component_0", i + 1, series(i)) for i in range(12)]
    assert len({gid >> 56 for gid in ids}) > 1
    store.track_staleness([StalenessTracker(g, STALE_NAN, series(i)) for i, g in enumerate(ids)])
    store.track_staleness([StalenessTracker(ids[0], 0.5, series(0))])
    assert store.check_and_remove_stale_markers(now=clock.now + 600) == 11
    assert store.collect() == {"global_ids": 1, "ids_per_component": {"component_0": 1}}
    assert store.get_or_add_global_ref_id(series(0)) == ids[0]
    fresh = store.get_or_add_global_ref_id(series(5))
    assert fresh != ids[5] and fresh >> 56 == ids[5] >> 56


def test_collect_sums_components_across_shards() -> None:
    store = sharded(16)
    for i in range(40):
        gid = store.get_or_add_global_ref_id(series(i))
        store.add_local_link(f"component_{i % 2}", gid, i + 1)
    assert store.collect() == {
        "global_ids": 40,
        "ids_per_component": {"component_0": 20, "component_1": 20},
    }


def test_shard_lock_names() -> None:
    assert [lock.name for lock in sharded(64).locks()][6:8] == [
        "labelstore.shard[06].mut",
        "labelstore.shard[07].mut",
    ]
    names = [lock.name for lock in sharded(256).locks()]
    assert names[0] == "labelstore.shard[000].mut" and names[-1] == "labelstore.shard[255].mut"


def test_go_frames_put_the_wrapper_above_the_shard() -> None:
    store = sharded(4)
    for op in sorted(LABELSTORE_OPERATIONS):
        outer, inner = store.go_frames(op)
        assert outer.function.endswith(f"labelstore.(*ShardedService).{op.go_name}")
        assert outer.file == "sharded.go"
        assert inner.function.endswith(f"labelstore.(*Service).{op.go_name}")
        assert inner.file == "service.go"
