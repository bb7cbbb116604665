"""``sharded``: N independent ``mutex`` stores behind a routing wrapper (option 3).

Global ids carry their shard: ``shard << 56 | per-shard id``, so at most 256 shards and
2**56 ids per shard. ``GetOrAddGlobalRefID``/``GetOrAddLink`` route by ``hash % N``; every
call that takes a global id routes by its top 8 bits, and an id whose shard bits are out of
range is unknown (0 / no-op) rather than an error, as a Go wrapper indexing a slice would
have to guard.

The wrapper hashes the labels to route and the chosen shard hashes them again inside its
lock, exactly as the proposed Go wrapper (``l.Hash() % len(shards)`` then
``shard.GetOrAddGlobalRefID(l)``) does: the extra hash is part of the design's cost.
Shards store per-shard ids; the wrapper encodes and decodes at the boundary.
"""

from __future__ import annotations

from typing import Any

from lsim.labels import Labels
from lsim.stores.base import GoFrame, MapSizes, StalenessTracker
from lsim.stores.common import StoreBase, go_func, service_frame
from lsim.stores.mutex import MutexStore
from lsim.stores.state import Hasher, StalenessBatch
from lsim.sync.states import Operation

SHARD_BITS = 56
MAX_SHARDS = 1 << (64 - SHARD_BITS)  # 256
LOCAL_MASK = (1 << SHARD_BITS) - 1
DEFAULT_SHARDS = 64

# Where (*ShardedService) calls into the shard, in a sharded.go written next to service.go.
_SHARDED_CALL_LINES: dict[Operation, int] = {
    Operation.GET_OR_ADD_GLOBAL_REF_ID: 58,
    Operation.GET_LOCAL_REF_ID: 67,
    Operation.ADD_LOCAL_LINK: 76,
    Operation.REPLACE_LOCAL_LINK: 85,
    Operation.GET_OR_ADD_LINK: 94,
    Operation.TRACK_STALENESS: 112,
    Operation.CHECK_AND_REMOVE_STALE_MARKERS: 121,
    Operation.COLLECT: 133,
}


def encode_shard_id(shard: int, local: int) -> int:
    """The global id of per-shard id ``local`` in ``shard``."""
    if not 0 <= shard < MAX_SHARDS:
        raise ValueError(f"shard {shard} out of range 0..{MAX_SHARDS - 1}")
    if not 0 <= local <= LOCAL_MASK:
        raise ValueError(f"per-shard id {local} does not fit in {SHARD_BITS} bits")
    return shard << SHARD_BITS | local


def decode_shard_id(global_id: int) -> tuple[int, int]:
    """``(shard, per-shard id)`` of a global id (the shard may be out of a store's range)."""
    return global_id >> SHARD_BITS, global_id & LOCAL_MASK


def check_shard_count(shards: int) -> int:
    if isinstance(shards, bool) or not isinstance(shards, int) or not 1 <= shards <= MAX_SHARDS:
        raise ValueError(f"shards must be an integer from 1 to {MAX_SHARDS}, got {shards!r}")
    return shards


class ShardedStore(StoreBase):
    name = "sharded"
    description = "N independent mutex stores; shard = hash % N, encoded in the id's top 8 bits"

    def __init__(
        self, *, shards: int = DEFAULT_SHARDS, hasher: Hasher | None = None, **options: Any
    ) -> None:
        n = check_shard_count(shards)
        super().__init__(hasher=hasher, **options)
        width = max(2, len(str(n - 1)))  # shard[07] .. shard[63], shard[000] .. shard[255]
        self.shard_count = n
        self.shards = [
            MutexStore(
                lock_name=f"labelstore.shard[{i:0{width}d}].mut", hasher=self._hash, **options
            )
            for i in range(n)
        ]
        self._prefix = [i << SHARD_BITS for i in range(n)]

    def _shard_of(self, global_id: int) -> MutexStore | None:
        index = global_id >> SHARD_BITS
        return self.shards[index] if 0 <= index < self.shard_count else None

    def get_or_add_global_ref_id(self, labels: Labels) -> int:
        if labels.is_empty():
            return 0
        index = self._hash(labels) % self.shard_count
        return self._prefix[index] | self.shards[index].get_or_add_global_ref_id(labels)

    def get_local_ref_id(self, component: str, global_id: int) -> int:
        shard = self._shard_of(global_id)
        if shard is None:
            return 0
        return shard.get_local_ref_id(component, global_id & LOCAL_MASK)

    def add_local_link(self, component: str, global_id: int, local_id: int) -> None:
        shard = self._shard_of(global_id)
        if shard is not None:
            shard.add_local_link(component, global_id & LOCAL_MASK, local_id)

    def replace_local_link(
        self, component: str, global_id: int, cached_local_id: int, new_local_id: int
    ) -> None:
        shard = self._shard_of(global_id)
        if shard is not None:
            shard.replace_local_link(
                component, global_id & LOCAL_MASK, cached_local_id, new_local_id
            )

    def get_or_add_link(self, component: str, local_id: int, labels: Labels) -> int:
        if labels.is_empty():
            return 0
        index = self._hash(labels) % self.shard_count
        return self._prefix[index] | self.shards[index].get_or_add_link(component, local_id, labels)

    def track_staleness(self, trackers: list[StalenessTracker]) -> None:
        batch = self._split(trackers)  # hashing outside every shard's lock
        parts: dict[int, StalenessBatch] = {}
        n = self.shard_count
        for global_id, label_hash in batch.marked:
            index = global_id >> SHARD_BITS
            if 0 <= index < n:
                self._part(parts, index, batch.since).marked.append(
                    (global_id & LOCAL_MASK, label_hash)
                )
        for global_id in batch.revived:
            index = global_id >> SHARD_BITS
            if 0 <= index < n:
                self._part(parts, index, batch.since).revived.append(global_id & LOCAL_MASK)
        for index, part in parts.items():  # one lock acquisition per shard touched
            self.shards[index].apply_staleness(part)

    @staticmethod
    def _part(parts: dict[int, StalenessBatch], index: int, since: float) -> StalenessBatch:
        part = parts.get(index)
        if part is None:
            part = parts[index] = StalenessBatch([], [], since)
        return part

    def check_and_remove_stale_markers(self, now: float | None = None) -> int:
        now = self._now(now)  # one "now" for every shard, as one Go call would use
        return sum(shard.check_and_remove_stale_markers(now) for shard in self.shards)

    def collect(self) -> dict[str, Any]:
        total = 0
        per_component: dict[str, int] = {}
        for shard in self.shards:
            counts = shard.collect()
            total += counts["global_ids"]
            for component, n in counts["ids_per_component"].items():
                per_component[component] = per_component.get(component, 0) + n
        return {"global_ids": total, "ids_per_component": per_component}

    @property
    def collisions(self) -> int:
        # Equal hashes always land in the same shard, so per-shard counts add up exactly.
        return sum(shard.collisions for shard in self.shards)

    def link_tables(self, component: str) -> tuple[dict[int, int], dict[int, int]]:
        """The shards' tables merged, global ids encoded (a local id linked in two shards
        keeps one of them: the component's local->global map is split per shard)."""
        local_to_global: dict[int, int] = {}
        global_to_local: dict[int, int] = {}
        for prefix, shard in zip(self._prefix, self.shards, strict=True):
            l2g, g2l = shard.link_tables(component)
            local_to_global.update((local, prefix | gid) for local, gid in l2g.items())
            global_to_local.update((prefix | gid, local) for gid, local in g2l.items())
        return local_to_global, global_to_local

    def map_sizes(self, component: str) -> MapSizes:
        """Summed over the shards: the cache holds a share of all entries of a kind, however
        they are split into maps, as every shard's entries are drawn alike."""
        sizes = [shard.map_sizes(component) for shard in self.shards]
        return MapSizes(*(sum(column) for column in zip(*sizes, strict=True)))

    def locks(self) -> list[Any]:
        return [shard.mut for shard in self.shards]

    def go_frames(self, operation: Operation) -> list[GoFrame]:
        inner = service_frame(operation)  # raises for an operation the store does not have
        outer = GoFrame(
            go_func("ShardedService", operation.go_name),
            "sharded.go",
            _SHARDED_CALL_LINES[operation],
        )
        return [outer, inner]
