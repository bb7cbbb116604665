"""``syncmap``: component mappings in a Go ``sync.Map`` (option 4), the rest under a Mutex.

:class:`SyncMap` follows Go's ``sync.Map`` (before Go 1.24): a read-only snapshot read without
any lock, a dirty map under the map's own Mutex holding the newer keys, a miss counter, and
promotion of the dirty map to the snapshot once misses reach its size. Published snapshots
are never mutated again, so a lock-free reader always sees a consistent dict. Alloy never
deletes a component mapping, so deletion (and Go's ``expunged`` entries) is left out.

What ``sync.Map`` protects is the component -> mapping lookup only. The inner
``localToGlobal``/``globalToLocal`` maps are plain maps written by every link call, so they
stay under ``Service.mut`` with the hash map, counter and stale markers. ``GetLocalRefID``
finds the mapping without a lock (an unknown component returns 0 without any lock) and
locks ``Service.mut`` to read the inner map. Mappings are created (``LoadOrStore``) while
holding ``Service.mut``, so creating one and linking into it is one step for ``Collect`` and
the GC, exactly as in the original. Lock order: ``Service.mut`` -> the sync.Map's mutex.
"""

from __future__ import annotations

from typing import Any, Generic, NamedTuple, TypeVar

from lsim.labels import Labels
from lsim.stores.base import StalenessTracker
from lsim.stores.common import ServiceStore
from lsim.stores.mutex import SERVICE_MUT
from lsim.stores.state import ComponentMapping, collect_counts, remove_expired
from lsim.sync import Mutex

K = TypeVar("K")
V = TypeVar("V")


class _ReadOnly(NamedTuple, Generic[K, V]):
    m: dict[K, V]  # never mutated once published
    amended: bool  # the dirty map holds keys that m does not


class SyncMap(Generic[K, V]):
    """Go's ``sync.Map`` for keys that are never deleted (values must not be None)."""

    def __init__(self, name: str) -> None:
        self.mu = Mutex(name)
        self._read: _ReadOnly[K, V] = _ReadOnly({}, False)  # replaced as a whole, atomically
        self._dirty: dict[K, V] | None = None
        self._misses = 0
        self.promotions = 0

    def load(self, key: K) -> V | None:
        read = self._read
        value = read.m.get(key)
        if value is None and read.amended:
            with self.mu:
                read = self._read  # re-check: a promotion may have happened meanwhile
                value = read.m.get(key)
                if value is None and read.amended and self._dirty is not None:
                    value = self._dirty.get(key)
                    self._miss_locked()  # counted whether or not the dirty map had it, as Go
        return value

    def load_or_store(self, key: K, value: V) -> V:
        found = self._read.m.get(key)
        if found is not None:
            return found
        with self.mu:
            read = self._read
            found = read.m.get(key)
            if found is not None:
                return found
            dirty = self._dirty
            if dirty is not None and read.amended:
                found = dirty.get(key)
                if found is not None:
                    self._miss_locked()
                    return found
            if not read.amended:  # first new key since the last promotion: copy the snapshot
                dirty = self._dirty = dict(read.m)
                self._read = _ReadOnly(read.m, True)
            assert dirty is not None
            dirty[key] = value
            return value

    def items(self) -> list[tuple[K, V]]:
        """``Range``: promotes a pending dirty map first, then iterates the snapshot."""
        read = self._read
        if read.amended:
            with self.mu:
                read = self._read
                if read.amended and self._dirty is not None:
                    read = self._promote_locked()
        return list(read.m.items())

    def _miss_locked(self) -> None:
        self._misses += 1
        if self._dirty is not None and self._misses >= len(self._dirty):
            self._promote_locked()

    def _promote_locked(self) -> _ReadOnly[K, V]:
        assert self._dirty is not None
        read = self._read = _ReadOnly(self._dirty, False)
        self._dirty = None
        self._misses = 0
        self.promotions += 1
        return read


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

    def locks(self) -> list[Any]:
        return [self.mut, self.mappings.mu]
