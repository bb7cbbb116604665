"""The behaviour every design shares (Alloy's labelstore semantics), run against each one."""

from __future__ import annotations

import math

import pytest

from lsim.labels import EMPTY_LABELS, Labels
from lsim.stores import STALE_NAN, LabelStore, StalenessTracker, create_store
from lsim.stores.common import StoreBase
from tests.stores.conftest import StoreFactory
from tests.stores.helpers import DESIGNS, FakeClock, design_id, local_part, series

STALE_AFTER = 600.0


def tables(store: LabelStore, component: str) -> tuple[dict[int, int], dict[int, int]]:
    assert isinstance(store, StoreBase)
    return store.link_tables(component)


def stale(global_id: int, labels: Labels) -> StalenessTracker:
    return StalenessTracker(global_id, STALE_NAN, labels)


def live(global_id: int, labels: Labels) -> StalenessTracker:
    return StalenessTracker(global_id, 1.0, labels)


# -- GetOrAddGlobalRefID -------------------------------------------------------------------------
def test_empty_labels_get_id_zero(store: LabelStore) -> None:
    assert store.get_or_add_global_ref_id(EMPTY_LABELS) == 0
    assert store.get_or_add_global_ref_id(Labels()) == 0
    assert store.collect() == {"global_ids": 0, "ids_per_component": {}}


def test_ids_start_at_one_and_count_up_per_shard(store: LabelStore) -> None:
    ids = [store.get_or_add_global_ref_id(series(i)) for i in range(40)]
    assert len(set(ids)) == 40 and 0 not in ids
    # Within each shard (the whole store when unsharded) the ids are 1, 2, 3, ... in order.
    by_shard: dict[int, list[int]] = {}
    for gid in ids:
        by_shard.setdefault(gid >> 56, []).append(local_part(gid))
    for locals_ in by_shard.values():
        assert locals_ == list(range(1, len(locals_) + 1))


@pytest.mark.parametrize(
    ("name", "shards"),
    [pytest.param(*d, id=design_id(d)) for d in DESIGNS if d[0] != "sharded" or d[1] == 1],
)
def test_ids_are_exactly_one_two_three(name: str, shards: int | None) -> None:
    # Sharded ids carry their shard in the top bits, so only one shard gives plain 1, 2, 3.
    store = create_store(name, shards=shards)
    assert [store.get_or_add_global_ref_id(series(i)) for i in range(3)] == [1, 2, 3]


def test_equal_label_sets_share_one_id(store: LabelStore) -> None:
    first = store.get_or_add_global_ref_id(series(5))
    again = store.get_or_add_global_ref_id(series(5))  # a different object, equal labels
    other = store.get_or_add_global_ref_id(series(6))
    assert first == again != other
    assert store.collect()["global_ids"] == 2
    assert store.collisions == 0


# -- GetLocalRefID / AddLocalLink / ReplaceLocalLink ---------------------------------------------
def test_get_local_is_zero_for_unknown_component_or_id(store: LabelStore) -> None:
    gid = store.get_or_add_global_ref_id(series(1))
    assert store.get_local_ref_id("component_0", gid) == 0
    store.add_local_link("component_0", gid, 42)
    assert store.get_local_ref_id("component_0", gid) == 42
    assert store.get_local_ref_id("component_1", gid) == 0
    other = store.get_or_add_global_ref_id(series(2))
    assert store.get_local_ref_id("component_0", other) == 0


def test_add_local_link_sets_both_directions(store: LabelStore) -> None:
    gid = store.get_or_add_global_ref_id(series(1))
    store.add_local_link("component_0", gid, 42)
    assert tables(store, "component_0") == ({42: gid}, {gid: 42})
    assert store.collect()["ids_per_component"] == {"component_0": 1}


def test_add_local_link_again_overwrites_forward_and_keeps_old_reverse(store: LabelStore) -> None:
    # Alloy's AddLocalLink never deletes: the old local id stays in localToGlobal.
    gid = store.get_or_add_global_ref_id(series(1))
    store.add_local_link("component_0", gid, 42)
    store.add_local_link("component_0", gid, 43)
    assert store.get_local_ref_id("component_0", gid) == 43
    assert tables(store, "component_0") == ({42: gid, 43: gid}, {gid: 43})


def test_replace_without_mapping_is_an_add(store: LabelStore) -> None:
    gid = store.get_or_add_global_ref_id(series(1))
    store.replace_local_link("component_0", gid, 7, 8)
    assert tables(store, "component_0") == ({8: gid}, {gid: 8})


def test_replace_drops_cached_local_and_sets_both_directions(store: LabelStore) -> None:
    a = store.get_or_add_global_ref_id(series(1))
    b = store.get_or_add_global_ref_id(series(2))
    store.add_local_link("component_0", a, 10)
    store.add_local_link("component_0", b, 20)
    store.replace_local_link("component_0", a, 10, 11)
    assert tables(store, "component_0") == ({11: a, 20: b}, {a: 11, b: 20})
    assert store.get_local_ref_id("component_0", a) == 11


def test_replace_deletes_only_the_cached_local(store: LabelStore) -> None:
    # The cached local id is what the caller remembers, not necessarily the current one.
    gid = store.get_or_add_global_ref_id(series(1))
    store.add_local_link("component_0", gid, 5)
    store.replace_local_link("component_0", gid, 9, 6)
    assert tables(store, "component_0") == ({5: gid, 6: gid}, {gid: 6})


def test_components_are_independent(store: LabelStore) -> None:
    gid = store.get_or_add_global_ref_id(series(1))
    store.add_local_link("component_0", gid, 1)
    store.add_local_link("component_1", gid, 2)
    assert store.get_local_ref_id("component_0", gid) == 1
    assert store.get_local_ref_id("component_1", gid) == 2


# -- GetOrAddLink --------------------------------------------------------------------------------
def test_get_or_add_link_creates_the_id_and_links_it(store: LabelStore) -> None:
    gid = store.get_or_add_link("component_0", 77, series(3))
    assert gid != 0
    assert store.get_or_add_global_ref_id(series(3)) == gid
    assert tables(store, "component_0") == ({77: gid}, {gid: 77})


def test_get_or_add_link_reuses_an_existing_id(store: LabelStore) -> None:
    gid = store.get_or_add_global_ref_id(series(3))
    assert store.get_or_add_link("component_0", 77, series(3)) == gid
    assert store.get_local_ref_id("component_0", gid) == 77
    assert store.collect()["global_ids"] == 1


def test_get_or_add_link_with_empty_labels_is_zero_and_links_nothing(store: LabelStore) -> None:
    assert store.get_or_add_link("component_0", 77, EMPTY_LABELS) == 0
    assert store.collect() == {"global_ids": 0, "ids_per_component": {}}


# -- Collect -------------------------------------------------------------------------------------
def test_collect_counts_ids_and_links_per_component(store: LabelStore) -> None:
    ids = [store.get_or_add_global_ref_id(series(i)) for i in range(10)]
    for i, gid in enumerate(ids):
        store.add_local_link("component_0", gid, 100 + i)
        if i % 2:
            store.add_local_link("component_1", gid, 200 + i)
    assert store.collect() == {
        "global_ids": 10,
        "ids_per_component": {"component_0": 10, "component_1": 5},
    }


# -- staleness lifecycle -------------------------------------------------------------------------
def linked_series(store: LabelStore, i: int, components: int = 3) -> int:
    gid = store.get_or_add_global_ref_id(series(i))
    for c in range(components):
        store.add_local_link(f"component_{c}", gid, 1000 * (c + 1) + i)
    return gid


def test_stale_series_expires_with_all_its_links(store: LabelStore, clock: FakeClock) -> None:
    gid = linked_series(store, 1)
    keep = linked_series(store, 2)
    store.track_staleness([stale(gid, series(1))])
    clock.now += 10
    assert store.check_and_remove_stale_markers(now=1_000 + STALE_AFTER - 0.001) == 0
    assert store.get_local_ref_id("component_0", gid) == 1001

    assert store.check_and_remove_stale_markers(now=1_000 + STALE_AFTER) == 1  # age >= 10 min
    for c in range(3):
        assert store.get_local_ref_id(f"component_{c}", gid) == 0
        l2g, g2l = tables(store, f"component_{c}")
        assert gid not in g2l and gid not in l2g.values()  # both directions gone
        assert g2l == {keep: 1000 * (c + 1) + 2}
    assert store.collect() == {
        "global_ids": 1,
        "ids_per_component": {"component_0": 1, "component_1": 1, "component_2": 1},
    }
    assert store.get_or_add_global_ref_id(series(2)) == keep
    assert store.check_and_remove_stale_markers(now=10**9) == 0  # the marker went too


def test_expired_series_gets_a_new_id_never_a_reused_one(store: LabelStore) -> None:
    ids = [linked_series(store, i) for i in range(5)]
    store.track_staleness([stale(ids[2], series(2))])
    assert store.check_and_remove_stale_markers(now=10**9) == 1
    again = store.get_or_add_global_ref_id(series(2))
    assert again not in ids
    assert local_part(again) > max(local_part(g) for g in ids if g >> 56 == again >> 56)


def test_live_value_unmarks_a_stale_series(store: LabelStore, clock: FakeClock) -> None:
    gid = linked_series(store, 1)
    store.track_staleness([stale(gid, series(1))])
    store.track_staleness([live(gid, series(1))])
    assert store.check_and_remove_stale_markers(now=10**9) == 0
    assert store.get_local_ref_id("component_0", gid) == 1001
    assert store.get_or_add_global_ref_id(series(1)) == gid


def test_only_the_stale_nan_bit_pattern_marks_stale(store: LabelStore) -> None:
    gid = linked_series(store, 1)
    store.track_staleness([StalenessTracker(gid, math.nan, series(1))])  # an ordinary NaN
    assert store.check_and_remove_stale_markers(now=10**9) == 0


def test_marking_again_refreshes_the_marker(store: LabelStore, clock: FakeClock) -> None:
    gid = linked_series(store, 1)
    store.track_staleness([stale(gid, series(1))])  # at 1000
    clock.now = 1_500.0
    store.track_staleness([stale(gid, series(1))])
    assert store.check_and_remove_stale_markers(now=1_000 + STALE_AFTER) == 0
    assert store.check_and_remove_stale_markers(now=1_500 + STALE_AFTER) == 1


def test_mixed_batch_and_default_now_from_clock(store: LabelStore, clock: FakeClock) -> None:
    ids = [linked_series(store, i) for i in range(6)]
    store.track_staleness([stale(ids[i], series(i)) for i in range(4)])
    store.track_staleness(
        [live(ids[0], series(0)), stale(ids[4], series(4)), live(ids[1], series(1))]
    )
    clock.now += STALE_AFTER - 1
    assert store.check_and_remove_stale_markers() == 0  # now defaults to the clock
    clock.now += 1
    assert store.check_and_remove_stale_markers() == 3  # ids 2, 3 and 4
    alive = [store.get_local_ref_id("component_0", g) != 0 for g in ids]
    assert alive == [True, True, False, False, False, True]
    assert store.collect()["global_ids"] == 3


def test_custom_stale_duration(make_store: StoreFactory) -> None:
    store = make_store(stale_duration_s=5.0)
    gid = linked_series(store, 1)
    store.track_staleness([stale(gid, series(1))])
    assert store.check_and_remove_stale_markers(now=1_004.0) == 0
    assert store.check_and_remove_stale_markers(now=1_005.0) == 1


# -- collisions ----------------------------------------------------------------------------------
def test_hash_collisions_share_one_id_and_are_counted_once(make_store: StoreFactory) -> None:
    store = make_store(hasher=lambda labels: 0xC0FFEE)
    a, b, c = series(1), series(2), series(3)
    gid = store.get_or_add_global_ref_id(a)
    assert store.collisions == 0
    assert store.get_or_add_global_ref_id(b) == gid  # the original's known defect, kept
    assert store.collisions == 1
    assert store.get_or_add_global_ref_id(series(2)) == gid  # b again: not counted twice
    assert store.collisions == 1
    assert store.get_or_add_link("component_0", 9, c) == gid
    assert store.collisions == 2
    assert store.get_or_add_global_ref_id(a) == gid  # the first owner is no collision
    assert store.collisions == 2
    assert store.collect()["global_ids"] == 1


def test_no_collisions_with_the_real_hash(store: LabelStore) -> None:
    for i in range(200):
        store.get_or_add_global_ref_id(series(i))
    assert store.collisions == 0
