"""What every design's class shares: options, hashing, staleness splitting, Go frames.

:class:`StoreBase` takes the options ``create_store`` forwards (``layout``,
``stale_duration_s``, ``clock``) plus ``hasher``, an injectable ``Labels -> int`` used for
every label hash the store computes (tests force collisions with a constant one).
:class:`ServiceStore` adds the hash map and stale markers that all designs but ``sharded``
own directly (sharded owns N of them, one per shard).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from typing import Any

from lsim.stores.base import (
    GO_FILE,
    GO_PACKAGE,
    GoFrame,
    LabelStore,
    MapSizes,
    StalenessTracker,
)
from lsim.stores.state import (
    ComponentMapping,
    GlobalIds,
    Hasher,
    StaleMarkers,
    StalenessBatch,
    default_hasher,
    split_trackers,
)
from lsim.sync.states import Operation

# Where each method of Alloy's service.go takes its lock (fixed, plausible line numbers: the
# frames only need to be stable and recognisable, not to match one Alloy release). The gap
# after Collect leaves room for (*Service).Run near line 96, which lsim.render names.
SERVICE_LOCK_LINES: dict[Operation, int] = {
    Operation.COLLECT: 72,
    Operation.GET_OR_ADD_LINK: 118,
    Operation.GET_OR_ADD_GLOBAL_REF_ID: 149,
    Operation.GET_LOCAL_REF_ID: 169,
    Operation.ADD_LOCAL_LINK: 182,
    Operation.REPLACE_LOCAL_LINK: 203,
    Operation.TRACK_STALENESS: 251,
    Operation.CHECK_AND_REMOVE_STALE_MARKERS: 273,
}


def go_func(receiver: str, method: str) -> str:
    """``github.com/.../labelstore.(*Service).GetOrAddGlobalRefID``."""
    return f"{GO_PACKAGE}.(*{receiver}).{method}"


def service_frame(operation: Operation) -> GoFrame:
    if operation not in SERVICE_LOCK_LINES:
        raise ValueError(f"no store frame for operation {operation.name}")
    return GoFrame(go_func("Service", operation.go_name), GO_FILE, SERVICE_LOCK_LINES[operation])


class StoreBase(LabelStore):
    """Options, the hasher and the staleness split, common to all eight designs."""

    def __init__(self, *, hasher: Hasher | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._hash: Hasher = hasher if hasher is not None else default_hasher(self.layout)

    def _split(self, trackers: Iterable[StalenessTracker]) -> StalenessBatch:
        """The part of ``TrackStaleness`` that runs before any lock (hashing included)."""
        return split_trackers(trackers, self._hash, self.clock)

    def _now(self, now: float | None) -> float:
        return float(self.clock()) if now is None else now

    def go_frames(self, operation: Operation) -> list[GoFrame]:
        return [service_frame(operation)]

    @abstractmethod
    def link_tables(self, component: str) -> tuple[dict[int, int], dict[int, int]]:
        """Copies of the component's ``(localToGlobal, globalToLocal)`` maps.

        For tests and debugging: it takes no lock, so call it while no operation runs.
        """

    @abstractmethod
    def map_sizes(self, component: str) -> MapSizes:
        """Entries in the label-set map and in ``component``'s two link maps, now (no lock:
        the model engine asks between calls; a count may lag a call running meanwhile)."""


class ServiceStore(StoreBase):
    """A store holding one ``labelsHashToGlobal`` + ``staleGlobals`` (every design but sharded)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._ids = GlobalIds()
        self._stale = StaleMarkers()

    @property
    def collisions(self) -> int:
        return len(self._ids.colliding)

    def link_tables(self, component: str) -> tuple[dict[int, int], dict[int, int]]:
        m = self._find_mapping(component)
        return ({}, {}) if m is None else (dict(m.local_to_global), dict(m.global_to_local))

    def map_sizes(self, component: str) -> MapSizes:
        m = self._peek_mapping(component)
        if m is None:
            return MapSizes(len(self._ids), 0, 0)
        return MapSizes(len(self._ids), len(m.local_to_global), len(m.global_to_local))

    @abstractmethod
    def _find_mapping(self, component: str) -> ComponentMapping | None:
        """The component's mapping, or None; each design finds it its own way."""

    def _peek_mapping(self, component: str) -> ComponentMapping | None:
        """The component's mapping, found without changing the store (a look between calls)."""
        return self._find_mapping(component)
