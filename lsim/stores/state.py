"""The maps every design shares, and the logic on them (Alloy's ``labelstore.Service`` data).

Nothing here locks: each design decides which of its locks guard which structure, and calls
these helpers while holding them. Keeping the logic in one place is what makes "the designs
differ only in locking" true (``lockfree`` repeats it step for step on Go sync.Maps, as its Go
store does: ``lockfree.py``; the behaviour suite holds it to the same results).

Every mutation below is a single dict operation on ``int``/``str`` keys, atomic under
CPython's GIL (``d[k] = v``, ``d.get``, ``d.pop(k, None)``, ``d.setdefault``, ``d.copy()``),
and the few multi-step sequences say what a concurrent interleaving can do to them.
``set.add`` of a label set runs its Python ``__hash__``/``__eq__``, but CPython restarts the
insert if the set changed meanwhile, so concurrent adds still keep each label set once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import methodcaller

from lsim.labels import HashLayout, Labels
from lsim.stores.base import StalenessTracker, is_stale_nan

Hasher = Callable[[Labels], int]
"""Label set -> 64-bit hash. Tests inject constant hashers to force collisions."""


def default_hasher(layout: HashLayout) -> Hasher:
    # methodcaller runs in C: the hash call itself is the only cost added to the section.
    hasher: Hasher = methodcaller("hash", layout)
    return hasher


class GlobalIds:
    """``labelsHashToGlobal`` and the ``globalRefID`` counter, plus collision bookkeeping.

    Each hash maps to ``(global id, first label set seen with that hash)``: the id is what
    Alloy stores; the label set lets lsim notice a *different* set arriving with that hash.
    """

    __slots__ = ("by_hash", "colliding", "_next_id")

    def __init__(self) -> None:
        self.by_hash: dict[int, tuple[int, Labels]] = {}
        self.colliding: set[Labels] = set()  # distinct label sets that found their hash taken
        # itertools.count's __next__ is one C call, atomic under the GIL (Go: atomic.Uint64).
        self._next_id = itertools.count(1).__next__

    def lookup(self, label_hash: int, labels: Labels) -> int:
        """The id stored for ``label_hash``, or 0."""
        entry = self.by_hash.get(label_hash)
        if entry is None:
            return 0
        first = entry[1]
        if first is not labels and first != labels:
            self.colliding.add(labels)  # set.add dedups: each colliding set counts once
        return entry[0]

    def get_or_add(self, label_hash: int, labels: Labels) -> int:
        """The id for ``label_hash``, created (counter + 1, never reused) when missing."""
        entry = self.by_hash.get(label_hash)
        if entry is None:
            # One setdefault decides the winner even without a lock: of racing inserters one
            # stores its id and every caller gets that one. A loser's id is drawn and dropped,
            # so ids may have gaps (a race only a design calling this unlocked could have).
            entry = self.by_hash.setdefault(label_hash, (self._next_id(), labels))
        first = entry[1]
        if first is not labels and first != labels:
            self.colliding.add(labels)
        return entry[0]

    def forget(self, label_hash: int) -> None:
        self.by_hash.pop(label_hash, None)

    def __len__(self) -> int:
        return len(self.by_hash)


class ComponentMapping:
    """``remoteWriteMapping``: one component's two-way map between global and local ids."""

    __slots__ = ("component", "local_to_global", "global_to_local")

    def __init__(self, component: str) -> None:
        self.component = component
        self.local_to_global: dict[int, int] = {}
        self.global_to_local: dict[int, int] = {}

    def local_id(self, global_id: int) -> int:
        return self.global_to_local.get(global_id, 0)

    def link(self, global_id: int, local_id: int) -> None:
        self.local_to_global[local_id] = global_id
        self.global_to_local[global_id] = local_id

    def replace(self, global_id: int, cached_local_id: int, new_local_id: int) -> None:
        self.local_to_global.pop(cached_local_id, None)
        self.local_to_global[new_local_id] = global_id
        self.global_to_local[global_id] = new_local_id

    def unlink_all(self, global_ids: Iterable[int]) -> None:
        """``deleteStaleIDs`` for each id: drop both directions of its link, if any."""
        g2l, l2g = self.global_to_local, self.local_to_global
        for global_id in global_ids:
            local_id = g2l.pop(global_id, None)
            if local_id is not None:
                l2g.pop(local_id, None)

    def __len__(self) -> int:
        return len(self.global_to_local)


def mapping_for(mappings: dict[str, ComponentMapping], component: str) -> ComponentMapping:
    """The component's mapping, created when missing (Alloy does this in every link call)."""
    m = mappings.get(component)
    if m is None:
        # setdefault: even without a lock exactly one new mapping wins and everyone uses it.
        m = mappings.setdefault(component, ComponentMapping(component))
    return m


def local_id_of(mappings: dict[str, ComponentMapping], component: str, global_id: int) -> int:
    """``GetLocalRefID``: 0 when the component or the id is unknown."""
    m = mappings.get(component)
    return 0 if m is None else m.global_to_local.get(global_id, 0)


def replace_link(
    mappings: dict[str, ComponentMapping],
    component: str,
    global_id: int,
    cached_local_id: int,
    new_local_id: int,
) -> None:
    """``ReplaceLocalLink``: with no mapping for the component yet, the same as a plain add."""
    m = mappings.get(component)
    if m is None:
        mapping_for(mappings, component).link(global_id, new_local_id)
    else:
        m.replace(global_id, cached_local_id, new_local_id)


def remove_expired(
    expired: list[tuple[int, int]], ids: GlobalIds, mappings: Iterable[ComponentMapping]
) -> int:
    """The removal half of ``CheckAndRemoveStaleMarkers``: hashes, then every link."""
    for _, label_hash in expired:
        ids.forget(label_hash)
    if expired:
        gone = [global_id for global_id, _ in expired]
        for m in mappings:
            m.unlink_all(gone)
    return len(expired)


def collect_counts(ids: GlobalIds, mappings: Iterable[ComponentMapping]) -> dict[str, object]:
    """``Collect``: number of global ids, and of global->local entries per component."""
    return {"global_ids": len(ids), "ids_per_component": {m.component: len(m) for m in mappings}}


@dataclass(frozen=True, slots=True)
class StalenessBatch:
    """A ``TrackStaleness`` batch split outside the lock: markers to set, markers to drop."""

    marked: list[tuple[int, int]]  # (global id, label hash)
    revived: list[int]  # global ids whose series is live again
    since: float


def split_trackers(
    trackers: Iterable[StalenessTracker], hasher: Hasher, clock: Callable[[], float]
) -> StalenessBatch:
    """Alloy's first loop of ``TrackStaleness``, which runs before taking the lock."""
    marked: list[tuple[int, int]] = []
    revived: list[int] = []
    for tracker in trackers:
        if is_stale_nan(tracker.value):
            marked.append((tracker.global_ref_id, hasher(tracker.labels)))
        else:
            revived.append(tracker.global_ref_id)
    return StalenessBatch(marked, revived, clock() if marked else 0.0)


class StaleMarkers:
    """``staleGlobals``: global id -> (label hash, time it was last marked stale)."""

    __slots__ = ("markers",)

    def __init__(self) -> None:
        self.markers: dict[int, tuple[int, float]] = {}

    def apply(self, batch: StalenessBatch) -> None:
        """The locked half of ``TrackStaleness``: O(batch)."""
        markers = self.markers
        for global_id, label_hash in batch.marked:
            markers[global_id] = (label_hash, batch.since)  # re-marking refreshes the time
        for global_id in batch.revived:
            markers.pop(global_id, None)

    def pop_expired(self, now: float, stale_duration_s: float) -> list[tuple[int, int]]:
        """Remove and return ``(global id, label hash)`` of markers at least that old.

        Works on a copy (one atomic step) and re-checks each marker by identity on removal:
        under a lock both checks always pass; without one they keep a series that was revived
        (popped) or re-marked (new tuple) meanwhile, as the original's ordering would.
        """
        markers = self.markers
        expired: list[tuple[int, int]] = []
        for global_id, marker in markers.copy().items():
            if now - marker[1] < stale_duration_s:  # Go: curr.Sub(last) < staleDuration
                continue
            current = markers.pop(global_id, None)
            if current is None:
                continue
            if current is not marker:
                # Re-marked since the copy: put it back. A revival landing in this tiny
                # window is lost (unlocked callers only; lockfree.py has the same window).
                markers.setdefault(global_id, current)
                continue
            expired.append((global_id, marker[0]))
        return expired

    def __len__(self) -> int:
        return len(self.markers)
