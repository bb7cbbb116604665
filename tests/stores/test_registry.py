"""The store registry: names, descriptions, construction and its errors."""

from __future__ import annotations

import pytest

from lsim.labels import HashLayout
from lsim.stores import (
    STORE_DESCRIPTIONS,
    STORE_NAMES,
    LabelStore,
    ShardedStore,
    create_store,
)
from tests.stores.helpers import FakeClock

EXPECTED = (
    "mutex",
    "rwmutex",
    "finegrained",
    "sharded",
    "syncmap",
    "percomponent",
    "lockfree",
    "directfanout",
)


def test_names_in_design_order() -> None:
    assert STORE_NAMES == EXPECTED


def test_every_store_has_a_one_line_description() -> None:
    assert tuple(STORE_DESCRIPTIONS) == STORE_NAMES
    for text in STORE_DESCRIPTIONS.values():
        assert text and "\n" not in text and len(text) <= 100


@pytest.mark.parametrize("name", EXPECTED)
def test_create_store_builds_the_named_design(name: str) -> None:
    clock = FakeClock(5.0)
    store = create_store(name, layout=HashLayout.SLICELABELS, stale_duration_s=3.0, clock=clock)
    assert isinstance(store, LabelStore)
    assert store.name == name
    assert store.layout is HashLayout.SLICELABELS
    assert store.stale_duration_s == 3.0
    assert store.clock is clock


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown store 'mutexx'") as info:
        create_store("mutexx")
    for name in EXPECTED:
        assert name in str(info.value)


@pytest.mark.parametrize("name", [n for n in EXPECTED if n != "sharded"])
def test_shards_only_for_sharded(name: str) -> None:
    with pytest.raises(ValueError, match="only to the sharded store"):
        create_store(name, shards=4)


@pytest.mark.parametrize("shards", [0, -1, 257, 1024])
def test_shards_out_of_range(shards: int) -> None:
    with pytest.raises(ValueError, match="from 1 to 256"):
        create_store("sharded", shards=shards)


@pytest.mark.parametrize("shards", [1, 2, 256])
def test_shards_in_range(shards: int) -> None:
    store = create_store("sharded", shards=shards)
    assert isinstance(store, ShardedStore) and store.shard_count == shards


def test_unknown_option_is_rejected() -> None:
    with pytest.raises(TypeError):
        create_store("mutex", colour="blue")
