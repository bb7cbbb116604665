"""Which locks each design has, which ones each call takes, and its Go frames."""

from __future__ import annotations

from typing import Any

import pytest

from lsim.labels import Labels
from lsim.stores import STALE_NAN, GoFrame, LabelStore, StalenessTracker, create_store
from lsim.stores.base import GO_PACKAGE
from lsim.stores.syncmap import SyncMapStore
from lsim.sync import Mutex
from lsim.sync.states import LABELSTORE_OPERATIONS, Operation
from tests.stores.helpers import series

OPERATIONS = sorted(LABELSTORE_OPERATIONS)  # the labelstore designs' calls


def lock_table(store: LabelStore) -> list[tuple[str, str]]:
    return [(lock.name, lock.snapshot()["kind"]) for lock in store.locks()]


def test_lock_names_and_kinds() -> None:
    assert lock_table(create_store("mutex")) == [("labelstore.Service.mut", "mutex")]
    assert lock_table(create_store("rwmutex")) == [("labelstore.Service.mut", "rwmutex")]
    assert lock_table(create_store("finegrained")) == [
        ("labelstore.Service.stalenessMut", "mutex"),
        ("labelstore.Service.globalMut", "rwmutex"),
        ("labelstore.Service.mappingsMut", "rwmutex"),
    ]
    assert lock_table(create_store("syncmap")) == [
        ("labelstore.Service.mut", "mutex"),
        ("labelstore.Service.mappings(sync.Map).mu", "mutex"),
    ]
    percomponent = create_store("percomponent")
    assert lock_table(percomponent) == [("labelstore.Service.mut", "mutex")]
    percomponent.add_local_link("component_0", 1, 1)
    assert lock_table(percomponent)[1] == ("labelstore.mapping[component_0].mu", "rwmutex")
    # lockfree has no lock of its own: what it waits on is its sync.Maps' mutexes, named as
    # the Go store announces them (a mapping's two appear when its component first links)
    lockfree = create_store("lockfree")
    fields = ("labelsHashToGlobal", "mappings", "staleGlobals", "colliding")
    sync_maps = [f"labelstore.Service.{field}(sync.Map).mu" for field in fields]
    assert lock_table(lockfree) == [(name, "mutex") for name in sync_maps]
    lockfree.add_local_link("component_0", 1, 1)
    assert lock_table(lockfree)[4:] == [
        ("labelstore.mapping[component_0].localToGlobal(sync.Map).mu", "mutex"),
        ("labelstore.mapping[component_0].globalToLocal(sync.Map).mu", "mutex"),
    ]


def acquisitions(store: LabelStore) -> dict[str, tuple[int, int]]:
    """lock name -> (exclusive acquisitions, shared acquisitions)."""
    out: dict[str, tuple[int, int]] = {}
    for lock in store.locks():
        snap = lock.snapshot()
        out[lock.name] = (snap["acquisitions"], snap.get("read", {}).get("acquisitions", 0))
    return out


def taken(store: LabelStore, call: Any) -> dict[str, tuple[int, int]]:
    """The locks ``call()`` took: name -> (exclusive, shared) acquisitions it added."""
    before = acquisitions(store)
    call()
    after = acquisitions(store)
    return {
        name: (w - before.get(name, (0, 0))[0], r - before.get(name, (0, 0))[1])
        for name, (w, r) in after.items()
        if (w, r) != before.get(name, (0, 0))
    }


def warmed(name: str) -> tuple[LabelStore, int]:
    store = create_store(name)
    gid = store.get_or_add_global_ref_id(series(1))
    store.add_local_link("component_0", gid, 7)
    store.get_local_ref_id("component_0", gid)  # lets syncmap promote its dirty map
    return store, gid


def test_rwmutex_reads_take_the_read_side() -> None:
    store, gid = warmed("rwmutex")
    mut = "labelstore.Service.mut"
    assert taken(store, lambda: store.get_local_ref_id("component_0", gid)) == {mut: (0, 1)}
    assert taken(store, store.collect) == {mut: (0, 1)}
    assert taken(store, lambda: store.get_or_add_global_ref_id(series(1))) == {mut: (1, 0)}


def test_finegrained_calls_take_only_their_locks() -> None:
    store, gid = warmed("finegrained")
    g, m, s = (f"labelstore.Service.{n}" for n in ("globalMut", "mappingsMut", "stalenessMut"))
    assert taken(store, lambda: store.get_or_add_global_ref_id(series(1))) == {g: (0, 1)}
    assert taken(store, lambda: store.get_or_add_global_ref_id(series(2))) == {g: (1, 1)}
    assert taken(store, lambda: store.get_local_ref_id("component_0", gid)) == {m: (0, 1)}
    assert taken(store, lambda: store.add_local_link("component_0", gid, 8)) == {m: (1, 0)}
    tracker = StalenessTracker(gid, STALE_NAN, series(1))
    assert taken(store, lambda: store.track_staleness([tracker])) == {s: (1, 0)}
    assert taken(store, store.collect) == {g: (0, 1), m: (0, 1)}
    gc = taken(store, lambda: store.check_and_remove_stale_markers(now=10**12))
    assert gc == {s: (1, 0), g: (1, 0), m: (1, 0)}


def test_percomponent_local_calls_skip_the_global_lock() -> None:
    store, gid = warmed("percomponent")
    mapping = "labelstore.mapping[component_0].mu"
    assert taken(store, lambda: store.get_local_ref_id("component_0", gid)) == {mapping: (0, 1)}
    assert taken(store, lambda: store.add_local_link("component_0", gid, 8)) == {mapping: (1, 0)}
    assert taken(store, lambda: store.replace_local_link("component_0", gid, 8, 9)) == {
        mapping: (1, 0)
    }
    assert taken(store, lambda: store.get_local_ref_id("component_9", gid)) == {}


def test_syncmap_lookup_is_lock_free_once_promoted() -> None:
    store, gid = warmed("syncmap")
    assert isinstance(store, SyncMapStore)
    assert store.mappings.promotions == 1
    mut = "labelstore.Service.mut"
    assert taken(store, lambda: store.get_local_ref_id("component_0", gid)) == {mut: (1, 0)}
    assert taken(store, lambda: store.get_local_ref_id("component_9", gid)) == {}


def test_mutex_takes_its_one_lock_for_everything() -> None:
    store, gid = warmed("mutex")
    mut = "labelstore.Service.mut"
    for call in (
        lambda: store.get_local_ref_id("component_9", gid),
        store.collect,
        lambda: store.check_and_remove_stale_markers(now=0.0),
    ):
        assert taken(store, call) == {mut: (1, 0)}


def mutexes_held(store: LabelStore) -> bool:
    return any(lock.locked() for lock in store.locks() if isinstance(lock, Mutex))


@pytest.mark.parametrize(
    ("name", "inside"),
    [("mutex", [True]), ("syncmap", [True]), ("percomponent", [True]), ("sharded", [False, True])],
)
def test_labels_are_hashed_inside_the_lock_and_trackers_outside(
    name: str, inside: list[bool]
) -> None:
    seen: list[bool] = []

    def hasher(labels: Labels) -> int:
        seen.append(mutexes_held(store))
        return 12345

    store = create_store(name, hasher=hasher)
    store.get_or_add_global_ref_id(series(1))
    assert seen == inside  # sharded: the routing hash first, outside; then the shard's own
    seen.clear()
    store.track_staleness([StalenessTracker(1, STALE_NAN, series(1))])
    assert seen == [False]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.go_name)
def test_go_frames(design: Any, store: LabelStore, op: Operation) -> None:
    frames = store.go_frames(op)
    assert frames and all(isinstance(f, GoFrame) for f in frames)
    for f in frames:
        assert f.function.startswith(f"{GO_PACKAGE}.(*") and f.file.endswith(".go") and f.line > 0
    assert frames[0].function.endswith(f").{op.go_name}")
    assert store.go_frames(op) == frames  # fixed: renderers rely on stable stacks


def test_go_frames_reject_none(store: LabelStore) -> None:
    with pytest.raises(ValueError):
        store.go_frames(Operation.NONE)


def test_percomponent_names_the_mapping_helper() -> None:
    frames = create_store("percomponent").go_frames(Operation.GET_LOCAL_REF_ID)
    assert [f.function.rsplit(".", 1)[-1] for f in frames] == ["GetLocalRefID", "getLocalRefID"]
    assert "(*remoteWriteMapping)" in frames[-1].function


def test_lockfree_waits_only_where_its_sync_maps_take_their_mutex() -> None:
    """A new hash is a new sync.Map key (its mutex); a hit past the read-only snapshot takes
    it too, and promotes after enough misses; then hits are lock-free."""
    store = create_store("lockfree")
    hash_mu = "labelstore.Service.labelsHashToGlobal(sync.Map).mu"
    get = lambda: store.get_or_add_global_ref_id(series(0))  # noqa: E731
    assert taken(store, get) == {hash_mu: (1, 0)}  # Load: nothing amended; LoadOrStore: new
    assert taken(store, get) == {hash_mu: (1, 0)}  # a miss of the snapshot: promotes
    assert taken(store, get) == {}
