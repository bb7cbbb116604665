"""One Fanout's series-ref mapping: Alloy's ``appenders.SeriesRefMappingStore``, paraphrased.

Alloy's direct-fanout mode (PR #5522, ``--feature.prometheus.direct-fanout.enabled``)
disables the global labelstore; every ``prometheus.Fanout`` owns one of these, used only when
it has two or more children. It hands out *unique refs* (1, 2, 3, ..., never reused, not even
after ``clear``) that stand for "this series' ref in each child, in child order", so an
upstream scrape loop can cache one ref for a series that has a different WAL ref in every
remote_write.

Locks (names as lsim reports them, the field names as in Alloy):

* ``refMappingMu`` (RWMutex) guards ``uniqueRefToChildRefs``, ``labelHashToUniqueRef`` and
  the ref counter. ``GetMapping`` holds the read side and hashes the labels inside it: once
  to check the stored hash, and once more first when the incoming ref is 0 (the lookup by
  label hash; a relabel stage always sends 0). ``CreateMapping`` hashes outside, then takes
  the write side; ``UpdateMapping`` takes the write side and hashes twice inside.
* ``timestampTrackingMu`` (Mutex) guards ``uniqueRefTimestamps``: ``TrackAppendedSeries``,
  once per Commit/Rollback, stamps every ref the appender used, O(batch) inside.
* ``cleanupStaleRefs`` (a goroutine, every 15 minutes) holds both, timestampTrackingMu first,
  while it scans every tracked ref and deletes those not appended for 15 minutes: O(tracked).

Kept as Alloy has them (lsim keeps real behaviour, defects included):

* the label-hash table is keyed by the 64-bit hash alone, as the labelstore's is: a second
  label set with the same hash finds the first one's mapping (counted in ``colliding``);
* ``GetMapping(0, labels)`` finds a mapping by labels but the appender keeps using the ref
  it was given (0): it stamps ref 0, and ``UpdateMapping(0, ...)`` returns at once. So behind
  a relabel stage a mapping's timestamp is never refreshed after its creation, child-ref
  changes are never stored, and the cleanup removes the mapping 15-30 minutes after it was
  made (the next sample creates it again).

Timestamps are whole seconds of the store's clock (``time.Now().Unix()`` in Alloy).
"""

from __future__ import annotations

from collections.abc import Iterable

from lsim.labels import Labels
from lsim.stores.state import Hasher
from lsim.sync import Mutex, RWMutex

REF_TTL_S = 900.0  # the cleanup ticks every 15 minutes and removes refs older than 15 minutes
ChildRefs = tuple[int, ...]


def lock_names(index: int) -> tuple[str, str]:
    """``(refMappingMu, timestampTrackingMu)`` of Fanout ``index``."""
    base = f"appenders.SeriesRefMappingStore[{index}]"
    return f"{base}.refMappingMu", f"{base}.timestampTrackingMu"


class SeriesRefMappingStore:
    """The mapping of one Fanout. ``hasher`` is the labels hash (Prometheus' ``Hash``)."""

    __slots__ = (
        "index",
        "hash",
        "ref_mapping_mu",
        "timestamp_tracking_mu",
        "unique_ref_to_child_refs",
        "label_hash_to_unique_ref",
        "next_unique_ref",
        "first_ref_of_current_generation",
        "unique_ref_timestamps",
        "colliding",
        "_read",
    )

    def __init__(self, index: int, hasher: Hasher) -> None:
        self.index = index
        self.hash = hasher
        mapping_name, tracking_name = lock_names(index)
        self.ref_mapping_mu = RWMutex(mapping_name)
        self.timestamp_tracking_mu = Mutex(tracking_name)
        self._read = self.ref_mapping_mu.reader()
        # unique ref -> (child refs, label hash, first label set seen: for collision counts)
        self.unique_ref_to_child_refs: dict[int, tuple[ChildRefs, int, Labels]] = {}
        self.label_hash_to_unique_ref: dict[int, int] = {}
        self.next_unique_ref = 1
        self.first_ref_of_current_generation = 0
        self.unique_ref_timestamps: dict[int, int] = {}
        self.colliding: set[Labels] = set()

    def get_mapping(self, unique_ref: int, labels: Labels) -> ChildRefs | None:
        """The child refs stored for ``unique_ref`` (found by label hash when it is 0), or
        None: unknown, from before the last ``clear``, or stored for another hash."""
        with self._read:
            if unique_ref == 0:
                found = self.label_hash_to_unique_ref.get(self.hash(labels))
                if found is None:
                    return None
                unique_ref = found
            if unique_ref < self.first_ref_of_current_generation:
                return None
            entry = self.unique_ref_to_child_refs.get(unique_ref)
            if entry is None or entry[1] != self.hash(labels):
                return None
            if entry[2] != labels:
                self.colliding.add(labels)  # same hash, another series: its refs are wrong
            return entry[0]

    def create_mapping(self, child_refs: Iterable[int], labels: Labels) -> int:
        """A new unique ref for ``child_refs`` (copied), findable by the labels' hash."""
        refs = tuple(child_refs)
        label_hash = self.hash(labels)  # outside the lock, as Alloy does
        with self.ref_mapping_mu:
            unique_ref = self.next_unique_ref
            self.next_unique_ref += 1
            self.label_hash_to_unique_ref[label_hash] = unique_ref
            self.unique_ref_to_child_refs[unique_ref] = (refs, label_hash, labels)
            return unique_ref

    def update_mapping(self, unique_ref: int, child_refs: Iterable[int], labels: Labels) -> None:
        """Store new child refs for ``unique_ref``; ref 0 is ignored (returns at once)."""
        if unique_ref == 0:
            return
        refs = tuple(child_refs)
        with self.ref_mapping_mu:
            new_hash = self.hash(labels)
            previous = self.unique_ref_to_child_refs.get(unique_ref)
            if previous is not None and previous[1] != new_hash:
                self.label_hash_to_unique_ref.pop(previous[1], None)
                self.label_hash_to_unique_ref[new_hash] = unique_ref
            self.unique_ref_to_child_refs[unique_ref] = (refs, self.hash(labels), labels)

    def track_appended_series(self, ts: int, refs: Iterable[int]) -> None:
        """Stamp every ref of one appender's batch with ``ts`` (Commit and Rollback)."""
        with self.timestamp_tracking_mu:
            stamps = self.unique_ref_timestamps
            for ref in refs:
                stamps[ref] = ts

    def cleanup_stale_refs(self, now: float, ttl_s: float = REF_TTL_S) -> int:
        """One tick of the cleanup goroutine: remove refs last stamped before ``now - ttl``
        (their mapping and label-hash entry too), holding both locks. Returns how many."""
        cutoff = int(now - ttl_s)
        with self.timestamp_tracking_mu, self.ref_mapping_mu:
            stale = [ref for ref, ts in self.unique_ref_timestamps.items() if ts < cutoff]
            for ref in stale:
                entry = self.unique_ref_to_child_refs.pop(ref, None)
                if entry is not None:
                    self.label_hash_to_unique_ref.pop(entry[1], None)
                del self.unique_ref_timestamps[ref]
            return len(stale)

    def clear(self) -> int:
        """Forget every mapping (the Fanout's children changed); the counter goes on. Returns
        the new generation's first ref: the dead-ref threshold a passthrough applies."""
        with self.timestamp_tracking_mu, self.ref_mapping_mu:
            self.unique_ref_to_child_refs.clear()
            self.unique_ref_timestamps.clear()
            self.label_hash_to_unique_ref.clear()
            self.first_ref_of_current_generation = self.next_unique_ref
            return self.next_unique_ref

    def locks(self) -> list[Mutex | RWMutex]:
        return [self.ref_mapping_mu, self.timestamp_tracking_mu]

    def __len__(self) -> int:
        return len(self.unique_ref_to_child_refs)
