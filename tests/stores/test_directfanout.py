"""directfanout's semantics (Alloy's direct fanout: no labelstore, a mapping per Fanout)."""

from __future__ import annotations

import pytest

from lsim.labels import Labels
from lsim.stores import STALE_NAN, DirectFanoutStore, StalenessTracker, create_store
from lsim.stores.directfanout import FanoutAppender
from lsim.stores.refmapping import SeriesRefMappingStore
from lsim.sync.states import FANOUT_OPERATIONS, Operation
from tests.stores.helpers import FakeClock, series

FIFTEEN_MINUTES = 900.0


class Children:
    """Remote_write-like children: child c's ref for a series is ``base + c``, ``base`` set
    per label set; every call is recorded as (child, ref given)."""

    def __init__(self) -> None:
        self.base: dict[Labels, int] = {}
        self.calls: list[tuple[int, int]] = []
        self.current: Labels | None = None

    def __call__(self, child: int, given: int) -> int:
        self.calls.append((child, given))
        assert self.current is not None
        return self.base[self.current] + child


def appender(store: SeriesRefMappingStore, children: int, kids: Children, **kw: int,
             ) -> FanoutAppender:  # fmt: skip
    return FanoutAppender(store, children, kids, **kw)


def append(app: FanoutAppender, kids: Children, labels: Labels, ref: int, base: int) -> int:
    kids.current = labels
    kids.base[labels] = base
    return app.append(ref, labels)


def acquisitions(store: DirectFanoutStore) -> int:
    total = 0
    for lock in store.locks():
        snap = lock.snapshot()
        total += snap["acquisitions"] + snap.get("read", {}).get("acquisitions", 0)
    return total


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(0.0)


@pytest.fixture
def store(clock: FakeClock) -> DirectFanoutStore:
    made = create_store("directfanout", clock=clock, fanouts=2)
    assert isinstance(made, DirectFanoutStore)
    return made


# -- the disabled labelstore ----------------------------------------------------------------------
def test_no_store_calls_when_disabled(store: DirectFanoutStore) -> None:
    labels = series(1)
    assert store.get_or_add_global_ref_id(labels) == 0
    assert store.get_or_add_link("c", 7, labels) == 0
    store.add_local_link("c", 1, 2)
    store.replace_local_link("c", 1, 2, 3)
    assert store.get_local_ref_id("c", 1) == 0
    store.track_staleness([StalenessTracker(1, STALE_NAN, labels)])
    assert store.check_and_remove_stale_markers(now=1e12) == 0
    assert store.collect() == {"global_ids": 0, "ids_per_component": {}}
    assert acquisitions(store) == 0 and all(len(m) == 0 for m in store.mappings)
    assert store.calls == "fanout" and store.operations == FANOUT_OPERATIONS


def test_a_fanout_without_children_does_nothing(store: DirectFanoutStore) -> None:
    kids = Children()
    app = appender(store.mappings[0], 0, kids)
    assert append(app, kids, series(1), 5, 100) == 0
    app.commit(0.0)
    assert kids.calls == [] and acquisitions(store) == 0


def test_passthrough_with_one_child_takes_no_lock(store: DirectFanoutStore) -> None:
    kids = Children()
    app = appender(store.mappings[0], 1, kids, dead_ref_threshold=10)
    assert append(app, kids, series(1), 12, 500) == 500  # the child's ref comes back
    assert append(app, kids, series(2), 7, 600) == 600  # below the threshold: sent as 0
    assert append(app, kids, series(3), 0, 700) == 700
    app.commit(0.0)
    assert kids.calls == [(0, 12), (0, 0), (0, 0)]
    assert acquisitions(store) == 0 and len(store.mappings[0]) == 0


# -- a Fanout with two or more children ------------------------------------------------------------
def test_mapping_is_created_once_and_reused(store: DirectFanoutStore) -> None:
    kids = Children()
    app = appender(store.mappings[0], 2, kids)
    labels = series(1)
    ref = append(app, kids, labels, 0, 100)
    assert ref == 1 and kids.calls == [(0, 0), (1, 0)]  # unmapped: children get 0
    for _ in range(3):
        kids.calls.clear()
        assert append(app, kids, labels, ref, 100) == ref  # the cached unique ref
        assert kids.calls == [(0, 100), (1, 101)]  # each child gets its own ref
    assert store.mappings[0].next_unique_ref == 2 and len(store.mappings[0]) == 1
    assert store.get_mapping(0, ref, labels) == (100, 101)
    assert store.get_mapping(1, ref, labels) is None  # mappings are per Fanout


def test_unique_refs_count_up_and_no_child_ref_means_no_mapping(
    store: DirectFanoutStore,
) -> None:
    kids = Children()
    app = appender(store.mappings[1], 3, kids)
    refs = [append(app, kids, series(i), 0, 10 * i + 10) for i in range(4)]
    assert refs == [1, 2, 3, 4]
    kids.base[series(9)] = 0
    kids.current = series(9)
    silent = FanoutAppender(store.mappings[1], 3, lambda c, r: 0)
    assert silent.append(42, series(9)) == 42  # nothing allocated: the input ref back
    assert len(store.mappings[1]) == 4


def test_a_changed_child_ref_updates_the_mapping(store: DirectFanoutStore) -> None:
    kids = Children()
    app = appender(store.mappings[0], 2, kids)
    labels = series(1)
    ref = append(app, kids, labels, 0, 100)
    assert append(app, kids, labels, ref, 200) == ref  # the WAL handed out new refs
    assert store.get_mapping(0, ref, labels) == (200, 201)
    kids.calls.clear()
    append(app, kids, labels, ref, 200)
    assert kids.calls == [(0, 200), (1, 201)]


def test_behind_a_relabel_stage_the_mapping_is_found_by_labels_but_never_updated(
    store: DirectFanoutStore,
) -> None:
    # A relabel stage always sends ref 0: GetMapping finds the mapping by label hash, the
    # appender keeps ref 0, and UpdateMapping(0, ...) returns at once (Alloy as merged).
    kids = Children()
    app = appender(store.mappings[0], 2, kids)
    labels = series(1)
    assert append(app, kids, labels, 0, 100) == 1
    kids.calls.clear()
    assert append(app, kids, labels, 0, 100) == 0
    assert kids.calls == [(0, 100), (1, 101)]  # the children still get their own refs
    append(app, kids, labels, 0, 300)
    assert store.get_mapping(0, 0, labels) == (100, 101)  # the change was not stored
    app.commit(5.0)
    assert store.mappings[0].unique_ref_timestamps == {1: 5, 0: 5}


def test_a_ref_checked_against_the_label_hash(store: DirectFanoutStore) -> None:
    ref = store.create_mapping(0, (1, 2), series(1))
    assert store.get_mapping(0, ref, series(2)) is None  # another series' ref: not used
    assert store.get_mapping(0, 0, series(2)) is None
    assert store.get_mapping(0, ref + 1, series(1)) is None


def test_clear_starts_a_new_generation_and_keeps_counting(store: DirectFanoutStore) -> None:
    old = store.create_mapping(0, (1, 2), series(1))
    threshold = store.mappings[0].clear()
    assert threshold == old + 1
    assert store.get_mapping(0, old, series(1)) is None
    assert store.create_mapping(0, (1, 2), series(1)) == old + 1  # never reused
    kids = Children()
    app = appender(store.mappings[0], 1, kids, dead_ref_threshold=threshold)
    append(app, kids, series(1), old, 50)
    assert kids.calls == [(0, 0)]  # a pre-clear unique ref means nothing to the child


def test_colliding_label_sets_share_a_mapping_and_are_counted(clock: FakeClock) -> None:
    made = create_store("directfanout", clock=clock, hasher=lambda labels: 7)
    assert isinstance(made, DirectFanoutStore)
    ref = made.create_mapping(0, (1, 2), series(1))
    assert made.get_mapping(0, 0, series(2)) == (1, 2)  # keyed by the hash alone
    assert made.get_mapping(0, ref, series(2)) == (1, 2)
    assert made.collisions == 1


# -- TrackAppendedSeries and the cleanup -----------------------------------------------------------
def test_cleanup_removes_only_expired_refs(store: DirectFanoutStore, clock: FakeClock) -> None:
    kids = Children()
    app = appender(store.mappings[0], 2, kids)
    old, fresh = series(1), series(2)
    old_ref = append(app, kids, old, 0, 100)
    app.commit(clock())
    clock.now = 1_000.0
    fresh_ref = append(app, kids, fresh, 0, 200)
    app.commit(clock())
    assert store.cleanup_stale_refs(0, now=FIFTEEN_MINUTES) == 0  # exactly 15 min: kept
    assert store.cleanup_stale_refs(0, now=FIFTEEN_MINUTES + 1) == 1  # older: removed
    assert store.get_mapping(0, old_ref, old) is None
    assert store.get_mapping(0, 0, old) is None  # its label-hash entry went with it
    assert store.get_mapping(0, fresh_ref, fresh) == (200, 201)
    assert set(store.mappings[0].unique_ref_timestamps) == {fresh_ref}
    assert store.cleanup_stale_refs(1, now=1e9) == 0  # the other Fanout had nothing


def test_an_unstamped_mapping_is_never_cleaned(store: DirectFanoutStore) -> None:
    store.create_mapping(0, (1, 2), series(1))  # appended, but its batch never committed
    assert store.cleanup_stale_refs(0, now=1e12) == 0 and len(store.mappings[0]) == 1


def test_track_appended_series_stamps_whole_seconds(store: DirectFanoutStore) -> None:
    store.track_appended_series(1, [3, 4], now=12.9)
    assert store.mappings[1].unique_ref_timestamps == {3: 12, 4: 12}


# -- locks and frames ------------------------------------------------------------------------------
def test_locks_per_fanout_and_who_takes_them(store: DirectFanoutStore) -> None:
    assert [(lk.name, lk.snapshot()["kind"]) for lk in store.locks()] == [
        ("appenders.SeriesRefMappingStore[0].refMappingMu", "rwmutex"),
        ("appenders.SeriesRefMappingStore[0].timestampTrackingMu", "mutex"),
        ("appenders.SeriesRefMappingStore[1].refMappingMu", "rwmutex"),
        ("appenders.SeriesRefMappingStore[1].timestampTrackingMu", "mutex"),
    ]
    mapping_mu, tracking_mu = store.mappings[0].locks()
    ref = store.create_mapping(0, (1, 2), series(1))
    store.get_mapping(0, ref, series(1))
    store.update_mapping(0, ref, (3, 4), series(1))
    store.update_mapping(0, 0, (3, 4), series(1))  # ref 0: no lock
    store.track_appended_series(0, [ref])
    store.cleanup_stale_refs(0, now=1e9)
    rw = mapping_mu.snapshot()
    assert rw["acquisitions"] == 3 and rw["read"]["acquisitions"] == 1
    assert tracking_mu.snapshot()["acquisitions"] == 2


@pytest.mark.parametrize("op", sorted(FANOUT_OPERATIONS), ids=lambda op: op.go_name)
def test_go_frames_name_the_real_methods(store: DirectFanoutStore, op: Operation) -> None:
    (frame,) = store.go_frames(op)
    assert frame.function == (
        "github.com/grafana/alloy/internal/component/prometheus/appenders"
        f".(*SeriesRefMappingStore).{op.go_name}"
    )
    assert frame.file == "seriesrefmapping.go" and frame.line > 0


def test_fanout_count_is_checked() -> None:
    with pytest.raises(ValueError, match="fanouts"):
        create_store("directfanout", fanouts=0)
    assert len(create_store("directfanout").locks()) == 2
