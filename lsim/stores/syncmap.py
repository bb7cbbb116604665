"""``syncmap``: component mappings in a Go ``sync.Map`` (option 4), the rest under a Mutex.

:class:`~lsim.stores.gosyncmap.SyncMap` follows Go's ``sync.Map`` (before Go 1.24): a
read-only snapshot read without any lock, a dirty map under the map's own Mutex holding the
newer keys, a miss counter, and promotion of the dirty map to the snapshot once misses reach
its size. Alloy never deletes a component mapping, so this design never deletes from it.

What ``sync.Map`` protects is the component -> mapping lookup only. The inner
``localToGlobal``/``globalToLocal`` maps are plain maps written by every link call, so they
stay under ``Service.mut`` with the hash map, counter and stale markers. ``GetLocalRefID``
finds the mapping without a lock (an unknown component returns 0 without any lock) and
locks ``Service.mut`` to read the inner map. Mappings are created (``LoadOrStore``) while
holding ``Service.mut``, so creating one and linking into it is one step for ``Collect`` and
the GC, exactly as in the original. Lock order: ``Service.mut`` -> the sync.Map's mutex.
"""

from __future__ import annotations

from typing import Any

from lsim.labels import Labels
from lsim.stores.base import StalenessTracker
from lsim.stores.common import ServiceStore
from lsim.stores.gosyncmap import SyncMap
from lsim.stores.mutex import SERVICE_MUT
from lsim.stores.state import ComponentMapping, collect_counts, remove_expired
from lsim.sync import Mutex

__all__ = ["SyncMap", "SyncMapStore"]  # SyncMap: lsim.stores.gosyncmap's, shared with lockfree


class SyncMapStore(ServiceStore):
    name = "syncmap"
    description = "component mappings in a sync.Map (lock-free lookup); the rest under a Mutex"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.mut = Mutex(SERVICE_MUT)
        self.mappings: SyncMap[str, ComponentMapping] = SyncMap(
            "labelstore.Service.mappings(sync.Map).mu"
        )

    def _mapping_locked(self, component: str) -> ComponentMapping:
        """Load, or create and store, the component's mapping (caller holds ``Service.mut``)."""
        m = self.mappings.load(component)
        if m is None:  # Load first: LoadOrStore would allocate a mapping on every call
            m = self.mappings.load_or_store(component, ComponentMapping(component))
        return m

    def get_or_add_global_ref_id(self, labels: Labels) -> int:
        if labels.is_empty():
            return 0
        with self.mut:
            return self._ids.get_or_add(self._hash(labels), labels)

    def get_local_ref_id(self, component: str, global_id: int) -> int:
        m = self.mappings.load(component)
        if m is None:
            return 0
        with self.mut:  # the inner map is written under Service.mut
            return m.local_id(global_id)

    def add_local_link(self, component: str, global_id: int, local_id: int) -> None:
        with self.mut:
            self._mapping_locked(component).link(global_id, local_id)

    def replace_local_link(
        self, component: str, global_id: int, cached_local_id: int, new_local_id: int
    ) -> None:
        with self.mut:
            m = self.mappings.load(component)
            if m is None:
                self._mapping_locked(component).link(global_id, new_local_id)
            else:
                m.replace(global_id, cached_local_id, new_local_id)

    def get_or_add_link(self, component: str, local_id: int, labels: Labels) -> int:
        if labels.is_empty():
            return 0
        with self.mut:
            global_id = self._ids.get_or_add(self._hash(labels), labels)
            self._mapping_locked(component).link(global_id, local_id)
            return global_id

    def track_staleness(self, trackers: list[StalenessTracker]) -> None:
        batch = self._split(trackers)
        with self.mut:
            self._stale.apply(batch)

    def check_and_remove_stale_markers(self, now: float | None = None) -> int:
        now = self._now(now)
        with self.mut:
            expired = self._stale.pop_expired(now, self.stale_duration_s)
            mappings = [m for _, m in self.mappings.items()] if expired else []
            return remove_expired(expired, self._ids, mappings)

    def collect(self) -> dict[str, Any]:
        with self.mut:
            return collect_counts(self._ids, [m for _, m in self.mappings.items()])

    def _find_mapping(self, component: str) -> ComponentMapping | None:
        return self.mappings.load(component)

    def _peek_mapping(self, component: str) -> ComponentMapping | None:
        # not load: a load past the read-only map counts a miss toward a promotion
        return self.mappings.snapshot().get(component)

    def locks(self) -> list[Any]:
        return [self.mut, self.mappings.mu]
