"""``mutex``: one ``sync.Mutex`` around everything, as Alloy's ``labelstore.Service`` does.

Every operation, even a hit in ``GetOrAddGlobalRefID`` and the read-only ``GetLocalRefID``,
takes the one lock; hashing happens inside it. This is the baseline the other designs are
compared with, and the building block of ``sharded`` (one of these per shard).

:class:`SingleLockStore` is written against two context managers, ``_write`` and ``_read``:
both are the mutex here, while ``rwmutex`` passes an RWMutex and its read side.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from lsim.labels import Labels
from lsim.stores.base import StalenessTracker
from lsim.stores.common import ServiceStore
from lsim.stores.state import (
    ComponentMapping,
    StalenessBatch,
    collect_counts,
    local_id_of,
    mapping_for,
    remove_expired,
    replace_link,
)
from lsim.sync import Mutex, RWMutex

SERVICE_MUT = "labelstore.Service.mut"


class SingleLockStore(ServiceStore):
    """All state behind one lock; ``read_side`` guards the read-only calls."""

    def __init__(
        self, lock: Mutex | RWMutex, read_side: AbstractContextManager[Any], **options: Any
    ) -> None:
        super().__init__(**options)
        self.mut = lock
        self._write: AbstractContextManager[Any] = lock
        self._read = read_side
        self._mappings: dict[str, ComponentMapping] = {}

    # -- operations ---------------------------------------------------------------------------
    def get_or_add_global_ref_id(self, labels: Labels) -> int:
        if labels.is_empty():
            return 0
        with self._write:
            return self._ids.get_or_add(self._hash(labels), labels)

    def get_local_ref_id(self, component: str, global_id: int) -> int:
        with self._read:
            return local_id_of(self._mappings, component, global_id)

    def add_local_link(self, component: str, global_id: int, local_id: int) -> None:
        with self._write:
            mapping_for(self._mappings, component).link(global_id, local_id)

    def replace_local_link(
        self, component: str, global_id: int, cached_local_id: int, new_local_id: int
    ) -> None:
        with self._write:
            replace_link(self._mappings, component, global_id, cached_local_id, new_local_id)

    def get_or_add_link(self, component: str, local_id: int, labels: Labels) -> int:
        if labels.is_empty():
            return 0
        with self._write:
            global_id = self._ids.get_or_add(self._hash(labels), labels)
            mapping_for(self._mappings, component).link(global_id, local_id)
            return global_id

    def track_staleness(self, trackers: list[StalenessTracker]) -> None:
        self.apply_staleness(self._split(trackers))

    def apply_staleness(self, batch: StalenessBatch) -> None:
        """The locked half of ``TrackStaleness`` (sharded calls it with a pre-split batch)."""
        with self._write:
            self._stale.apply(batch)

    def check_and_remove_stale_markers(self, now: float | None = None) -> int:
        now = self._now(now)
        with self._write:
            expired = self._stale.pop_expired(now, self.stale_duration_s)
            return remove_expired(expired, self._ids, self._mappings.values())

    def collect(self) -> dict[str, Any]:
        with self._read:
            return collect_counts(self._ids, self._mappings.values())

    def _find_mapping(self, component: str) -> ComponentMapping | None:
        return self._mappings.get(component)

    def locks(self) -> list[Any]:
        return [self.mut]


class MutexStore(SingleLockStore):
    name = "mutex"
    description = "one sync.Mutex for everything (Alloy's labelstore as it is)"

    def __init__(self, *, lock_name: str = SERVICE_MUT, **options: Any) -> None:
        mut = Mutex(lock_name)
        super().__init__(mut, mut, **options)  # no read side: readers serialise like writers
