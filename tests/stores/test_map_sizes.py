"""``map_sizes``: how many entries a store's maps hold (the model's far accesses read it)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsim.stores import LabelStore
from lsim.stores.base import MapSizes
from lsim.stores.gosyncmap import SyncMap
from tests.stores.conftest import StoreFactory
from tests.stores.helpers import series


def test_sizes_count_label_sets_and_each_direction_of_a_components_links(
    store: LabelStore,
) -> None:
    assert store.map_sizes("c") == MapSizes(0, 0, 0)
    ids = [store.get_or_add_global_ref_id(series(i)) for i in range(6)]
    store.get_or_add_global_ref_id(series(2))  # a hit adds nothing
    for local, gid in enumerate(ids[:4], start=1):
        store.add_local_link("c", gid, local)
    store.add_local_link("c", ids[0], 99)  # relinked: localToGlobal keeps the old local id
    assert store.map_sizes("c") == MapSizes(6, 5, 4)
    assert store.map_sizes("d") == MapSizes(6, 0, 0)  # another component has no links


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sets=st.integers(0, 40),
    # distinct local ids: sharded's merged table keeps one of a local id linked in two
    # shards, where its maps hold both
    links=st.lists(
        st.tuples(st.integers(0, 39), st.integers(1, 10**6)),
        max_size=60,
        unique_by=lambda link: link[1],
    ),
)
def test_sizes_match_the_stores_own_tables(
    make_store: StoreFactory, sets: int, links: list[tuple[int, int]]
) -> None:
    """Whatever label sets and links were added: as many entries as the store's tables."""
    store = make_store()
    ids = [store.get_or_add_global_ref_id(series(i)) for i in range(sets)]
    for which, local in links:
        if ids:
            store.add_local_link("c", ids[which % len(ids)], local)
    l2g, g2l = store.link_tables("c")
    assert store.map_sizes("c") == MapSizes(sets, len(l2g), len(g2l))


def test_reading_the_sizes_leaves_the_store_as_it_was(store: LabelStore) -> None:
    """The model reads them between calls: the read must not change what a call does next
    (a sync.Map load past its read-only map counts a miss toward a promotion)."""
    gid = store.get_or_add_global_ref_id(series(1))
    store.add_local_link("c", gid, 5)  # a new component: its mapping is in a dirty map
    before = repr(_sync_maps(store))
    for _ in range(50):
        store.map_sizes("c")
        store.map_sizes("d")
    assert repr(_sync_maps(store)) == before


def _sync_maps(store: LabelStore) -> list[tuple[int, bool, int]]:
    """(misses, amended, promotions) of every sync.Map the store holds."""
    found = [v for v in vars(store).values() if isinstance(v, SyncMap)]
    for shard in getattr(store, "shards", []):
        found += [v for v in vars(shard).values() if isinstance(v, SyncMap)]
    return [(m._misses, m._read.amended, m.promotions) for m in found]
