"""``lockfree``: no store-level lock at all (option 6); its maps are Go ``sync.Map``\\ s.

As the Go store (``lsim/engine/go/src/labelstore/lockfree.go``), every shared map is a
:class:`~lsim.stores.gosyncmap.SyncMap` (Go 1.19's ``sync.Map``) and the id counter an atomic
(``itertools.count``, one C call under the GIL). What the design does not lock, sync.Map
does: its own mutex, on a load that misses the read-only snapshot while the dirty map has
newer keys, on every store of a new key, and when the dirty map is promoted or rebuilt.
Those are this design's only waits, and :meth:`LockFreeStore.locks` reports them under the
names the Go store announces: ``labelstore.Service.<field>(sync.Map).mu`` and
``labelstore.mapping[<component>].<direction>(sync.Map).mu``. Each step and what a race can
do:

* ``GetOrAddGlobalRefID``: ``Load(hash)``, and on a miss ``LoadOrStore(hash, (next id,
  labels))``. Racing inserters all get the winner's id; each loser drew an id that is never
  used, so **ids may have gaps** (a CAS loser wastes its id the same way). Every label set
  still ends with exactly one id and ids are never shared or reused. A label set finding its
  hash taken by another is noted in the ``colliding`` sync.Map (lsim's bookkeeping, as Go's).
* Mappings: ``LoadOrStore`` creates a component's mapping once; each of its two directions
  is a sync.Map and a link is two separate ``Store``\\ s (local->global, then global->local),
  so a concurrent reader may briefly see one direction without the other.
  ``ReplaceLocalLink`` is a delete and two stores.
* ``TrackStaleness``: ``Store``\\ s and deletes on the ``staleGlobals`` sync.Map.
* ``CheckAndRemoveStaleMarkers``: ranges over the markers, deletes each expired one
  (``LoadAndDelete``) and checks it is still the marker it judged (a revived series was
  deleted by ``TrackStaleness``: skipped; a re-marked one is put back with ``LoadOrStore``).
  A revival landing between that delete and the put-back is lost, and an ``AddLocalLink``
  racing the GC for the id being removed can leave a link behind: windows a lock closes and
  a lock-free design has to argue away, which is the reference document's "complex to
  verify" risk.
* ``Collect``: a ``Range`` over the hash map and over each mapping's global->local map
  (sync.Map has no length).

Under a free-threaded CPython (no GIL) the counter and the sync.Map's snapshot swaps would
need real atomics; lsim runs on the GIL build.
"""

from __future__ import annotations

import itertools
from typing import Any

from lsim.labels import Labels
from lsim.stores.base import MapSizes, StalenessTracker
from lsim.stores.common import StoreBase
from lsim.stores.gosyncmap import MapCall, MapPath, SyncMap
from lsim.sync import Mutex

SERVICE = "labelstore.Service"
# The Go store's atomic id counter, as the model names it in a traced call.
COUNTER = f"{SERVICE}.globalRefID"
_NO_PATH = MapPath(False, False)
Marker = tuple[int, float]  # (label hash, time last marked stale); compared by identity


class LockFreeMapping:
    """``remoteWriteMapping`` with each direction a sync.Map."""

    __slots__ = ("component", "local_to_global", "global_to_local")

    def __init__(self, component: str, trace: list[MapCall] | None) -> None:
        prefix = f"labelstore.mapping[{component}]."
        self.component = component
        self.local_to_global: SyncMap[int, int] = SyncMap(
            prefix + "localToGlobal(sync.Map).mu", trace
        )
        self.global_to_local: SyncMap[int, int] = SyncMap(
            prefix + "globalToLocal(sync.Map).mu", trace
        )

    def link(self, global_id: int, local_id: int) -> None:
        self.local_to_global.store(local_id, global_id)
        self.global_to_local.store(global_id, local_id)


class LockFreeStore(StoreBase):
    name = "lockfree"
    description = "no store lock: Go sync.Maps (their mutex on misses, new keys), atomic ids"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # trace: None, or (when the model traces calls) the sync.Map calls of the last call
        self.trace: list[MapCall] | None = None
        self.labels_hash_to_global: SyncMap[int, tuple[int, Labels]] = self._map(
            "labelsHashToGlobal"
        )
        self._next_id = itertools.count(1).__next__  # Go: atomic.Uint64's Add(1)
        self.mappings: SyncMap[str, LockFreeMapping] = self._map("mappings")
        self.stale_globals: SyncMap[int, Marker] = self._map("staleGlobals")
        self.colliding: SyncMap[Labels, bool] = self._map("colliding")

    def _map(self, field: str) -> SyncMap[Any, Any]:
        return SyncMap(f"{SERVICE}.{field}(sync.Map).mu", self.trace)

    def trace_calls(self) -> list[MapCall]:
        """Record each call's sync.Map calls (and counter draws) from now on, for the model
        engine: the list returned holds those of the last call made."""
        if self.trace is None:
            self.trace = []
            for smap in self._maps():
                smap.trace = self.trace
        return self.trace

    def _begin(self) -> None:
        if self.trace is not None:
            self.trace.clear()

    def _maps(self) -> list[SyncMap[Any, Any]]:
        out: list[SyncMap[Any, Any]] = [self.labels_hash_to_global, self.mappings,
                                        self.stale_globals, self.colliding]  # fmt: skip
        for m in self.mappings.snapshot().values():  # no Range: it could promote
            out += [m.local_to_global, m.global_to_local]
        return out

    def _get_or_add(self, label_hash: int, labels: Labels) -> int:
        entry = self.labels_hash_to_global.load(label_hash)
        if entry is None:
            new_id = self._next_id()
            if self.trace is not None:
                self.trace.append((COUNTER, "Add", _NO_PATH))
            entry = self.labels_hash_to_global.load_or_store(label_hash, (new_id, labels))
        first = entry[1]
        if first is not labels and first != labels:
            self.colliding.load_or_store(labels, True)
        return entry[0]

    def _mapping_for(self, component: str) -> LockFreeMapping:
        m = self.mappings.load(component)
        if m is None:  # exactly one new mapping wins and everyone uses it
            m = self.mappings.load_or_store(component, LockFreeMapping(component, self.trace))
        return m

    def get_or_add_global_ref_id(self, labels: Labels) -> int:
        self._begin()
        if labels.is_empty():
            return 0
        return self._get_or_add(self._hash(labels), labels)

    def get_local_ref_id(self, component: str, global_id: int) -> int:
        self._begin()
        m = self.mappings.load(component)
        if m is None:
            return 0
        return m.global_to_local.load(global_id) or 0

    def add_local_link(self, component: str, global_id: int, local_id: int) -> None:
        self._begin()
        self._mapping_for(component).link(global_id, local_id)

    def replace_local_link(
        self, component: str, global_id: int, cached_local_id: int, new_local_id: int
    ) -> None:
        self._begin()
        m = self.mappings.load(component)
        if m is None:
            self._mapping_for(component).link(global_id, new_local_id)
            return
        m.local_to_global.load_and_delete(cached_local_id)
        m.link(global_id, new_local_id)

    def get_or_add_link(self, component: str, local_id: int, labels: Labels) -> int:
        self._begin()
        if labels.is_empty():
            return 0
        global_id = self._get_or_add(self._hash(labels), labels)
        self._mapping_for(component).link(global_id, local_id)
        return global_id

    def track_staleness(self, trackers: list[StalenessTracker]) -> None:
        self._begin()
        batch = self._split(trackers)
        for global_id, label_hash in batch.marked:
            self.stale_globals.store(global_id, (label_hash, batch.since))
        for global_id in batch.revived:
            self.stale_globals.load_and_delete(global_id)

    def check_and_remove_stale_markers(self, now: float | None = None) -> int:
        self._begin()
        now = self._now(now)
        stale = self.stale_globals
        judged = [(g, m) for g, m in stale.items() if now - m[1] >= self.stale_duration_s]
        expired: list[tuple[int, int]] = []
        for global_id, marker in judged:
            current = stale.load_and_delete(global_id)
            if current is None:
                continue  # revived meanwhile
            if current is not marker:  # re-marked since it was judged: put it back
                stale.load_or_store(global_id, current)
                continue
            expired.append((global_id, marker[0]))
        for _, label_hash in expired:
            self.labels_hash_to_global.load_and_delete(label_hash)
        if expired:
            gone = [global_id for global_id, _ in expired]
            for m in self._all_mappings():
                for global_id in gone:
                    local_id = m.global_to_local.load_and_delete(global_id)
                    if local_id is not None:
                        m.local_to_global.load_and_delete(local_id)
        return len(expired)

    def _all_mappings(self) -> list[LockFreeMapping]:
        """Every mapping (a Range over ``mappings``), in the order they were created."""
        return [m for _, m in self.mappings.items()]

    def collect(self) -> dict[str, Any]:
        self._begin()
        ids = len(self.labels_hash_to_global.items())
        per = {m.component: len(m.global_to_local.items()) for m in self._all_mappings()}
        return {"global_ids": ids, "ids_per_component": per}

    @property
    def collisions(self) -> int:
        return len(self.colliding.snapshot())

    def link_tables(self, component: str) -> tuple[dict[int, int], dict[int, int]]:
        m = self.mappings.snapshot().get(component)
        if m is None:
            return {}, {}
        return m.local_to_global.snapshot(), m.global_to_local.snapshot()

    def map_sizes(self, component: str) -> MapSizes:
        m = self.mappings.snapshot().get(component)
        labels = self.labels_hash_to_global.entries()
        if m is None:
            return MapSizes(labels, 0, 0)
        return MapSizes(labels, m.local_to_global.entries(), m.global_to_local.entries())

    def locks(self) -> list[Any]:
        """The sync.Maps' mutexes, in the Go store's order (``LockFreeService.Locks``)."""
        out: list[Mutex] = [self.labels_hash_to_global.mu, self.mappings.mu,
                            self.stale_globals.mu, self.colliding.mu]  # fmt: skip
        for m in self.mappings.snapshot().values():
            out += [m.local_to_global.mu, m.global_to_local.mu]
        return out
