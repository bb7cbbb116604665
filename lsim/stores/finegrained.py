"""``finegrained``: one lock per map and an atomic id counter (option 2).

Locks (Go field names):

* ``globalMut`` (RWMutex) guards ``labelsHashToGlobal``;
* ``mappingsMut`` (RWMutex) guards ``mappings`` and every component's two maps;
* ``stalenessMut`` (Mutex) guards ``staleGlobals``;
* the id counter is ``itertools.count`` (Go: ``atomic.Uint64``), drawn under ``globalMut``'s
  write side anyway, so ids stay gap-free.

Lock order, never the reverse: **stalenessMut -> globalMut -> mappingsMut**. Nested
acquisitions (everything else takes a single lock):

* ``CheckAndRemoveStaleMarkers``: stalenessMut, then globalMut (write) to drop the hashes,
  then mappingsMut (write) to drop the links, so the removal is one step for every reader;
* ``GetOrAddLink``: globalMut (read, or write on a miss), then mappingsMut (write): holding
  globalMut while linking keeps the GC from removing the id between lookup and link, which
  the single lock of the original also guarantees;
* ``Collect``: globalMut (read), then mappingsMut (read), for one consistent snapshot.

``GetOrAddGlobalRefID`` hashes and looks up under the read side and only on a miss takes the
write side and re-checks (the insert race the reference document warns about is closed by
that re-check). Collision bookkeeping on the read side mutates a set from several readers at
once; ``set.add`` is atomic under the GIL, and the bookkeeping is lsim's, not Alloy's.

Pass ``lock_order=LockOrderRecorder()`` to record, per thread, which locks are held when
another is requested (a test hook; it wraps the locks, so leave it off when measuring).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from lsim.labels import Labels
from lsim.stores.base import StalenessTracker
from lsim.stores.common import ServiceStore
from lsim.stores.lockorder import LockOrderRecorder
from lsim.stores.state import (
    ComponentMapping,
    collect_counts,
    local_id_of,
    mapping_for,
    replace_link,
)
from lsim.sync import Mutex, RWMutex

LOCK_ORDER = ("stalenessMut", "globalMut", "mappingsMut")


class FineGrainedStore(ServiceStore):
    name = "finegrained"
    description = "atomic counter; RWMutex for hashes, RWMutex for mappings, Mutex for staleness"

    def __init__(self, *, lock_order: LockOrderRecorder | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.staleness_mut = Mutex("labelstore.Service.stalenessMut")
        self.global_mut = RWMutex("labelstore.Service.globalMut")
        self.mappings_mut = RWMutex("labelstore.Service.mappingsMut")
        self._mappings: dict[str, ComponentMapping] = {}
        sides: list[tuple[str, AbstractContextManager[Any]]] = [
            ("stalenessMut", self.staleness_mut),
            ("globalMut", self.global_mut),
            ("globalMut", self.global_mut.reader()),
            ("mappingsMut", self.mappings_mut),
            ("mappingsMut", self.mappings_mut.reader()),
        ]
        if lock_order is not None:
            sides = [(n, lock_order.wrap(side, LOCK_ORDER.index(n), n)) for n, side in sides]
        (
            self._stale_lock,
            self._global_w,
            self._global_r,
            self._map_w,
            self._map_r,
        ) = (side for _, side in sides)

    def get_or_add_global_ref_id(self, labels: Labels) -> int:
        if labels.is_empty():
            return 0
        with self._global_r:
            label_hash = self._hash(labels)
            global_id = self._ids.lookup(label_hash, labels)
        if global_id:
            return global_id
        with self._global_w:  # re-checks: another writer may have inserted it meanwhile
            return self._ids.get_or_add(label_hash, labels)

    def get_local_ref_id(self, component: str, global_id: int) -> int:
        with self._map_r:
            return local_id_of(self._mappings, component, global_id)

    def add_local_link(self, component: str, global_id: int, local_id: int) -> None:
        with self._map_w:
            mapping_for(self._mappings, component).link(global_id, local_id)

    def replace_local_link(
        self, component: str, global_id: int, cached_local_id: int, new_local_id: int
    ) -> None:
        with self._map_w:
            replace_link(self._mappings, component, global_id, cached_local_id, new_local_id)

    def get_or_add_link(self, component: str, local_id: int, labels: Labels) -> int:
        if labels.is_empty():
            return 0
        with self._global_r:
            label_hash = self._hash(labels)
            global_id = self._ids.lookup(label_hash, labels)
            if global_id:
                with self._map_w:
                    mapping_for(self._mappings, component).link(global_id, local_id)
                return global_id
        with self._global_w:
            global_id = self._ids.get_or_add(label_hash, labels)
            with self._map_w:
                mapping_for(self._mappings, component).link(global_id, local_id)
            return global_id

    def track_staleness(self, trackers: list[StalenessTracker]) -> None:
        batch = self._split(trackers)
        with self._stale_lock:
            self._stale.apply(batch)

    def check_and_remove_stale_markers(self, now: float | None = None) -> int:
        now = self._now(now)
        with self._stale_lock:
            expired = self._stale.pop_expired(now, self.stale_duration_s)
            if expired:
                with self._global_w:
                    for _, label_hash in expired:
                        self._ids.forget(label_hash)
                    gone = [global_id for global_id, _ in expired]
                    with self._map_w:
                        for m in self._mappings.values():
                            m.unlink_all(gone)
            return len(expired)

    def collect(self) -> dict[str, Any]:
        with self._global_r, self._map_r:
            return collect_counts(self._ids, self._mappings.values())

    def _find_mapping(self, component: str) -> ComponentMapping | None:
        return self._mappings.get(component)

    def locks(self) -> list[Any]:
        return [self.staleness_mut, self.global_mut, self.mappings_mut]  # in lock order
