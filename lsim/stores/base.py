"""The interface every store design implements, and the data types they share.

Semantics follow Alloy's ``labelstore.Service`` (DESIGN.md §2); the designs differ only in
locking. Method names are the Go ones in snake_case.
"""

from __future__ import annotations

import struct
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, NamedTuple

from lsim.labels import HashLayout, Labels
from lsim.sync.states import LABELSTORE_OPERATIONS, Operation

STALE_NAN_BITS = 0x7FF0000000000002
STALE_NAN: float = float(struct.unpack("<d", struct.pack("<Q", STALE_NAN_BITS))[0])
DEFAULT_STALE_DURATION_S = 600.0  # Alloy: markers older than 10 minutes are removed

GO_PACKAGE = "github.com/grafana/alloy/internal/service/labelstore"
GO_FILE = "service.go"


def is_stale_nan(value: float) -> bool:
    """Prometheus' ``value.IsStaleNaN``: compares the bit pattern, not just ``isnan``."""
    return bool(struct.unpack("<Q", struct.pack("<d", value))[0] == STALE_NAN_BITS)


@dataclass(frozen=True, slots=True)
class StalenessTracker:
    """One sample passed to ``TrackStaleness``: a stale NaN marks the series stale."""

    global_ref_id: int
    value: float
    labels: Labels


@dataclass(frozen=True, slots=True)
class GoFrame:
    """One frame of a Go stack: ``function`` in Go form, ``file:line`` where it is."""

    function: str
    file: str
    line: int


class MapSizes(NamedTuple):
    """How many entries the store's maps hold, summed over shards (what the model's
    cache-miss cost of a map access depends on: ``lsim/engine/model/far.py``)."""

    label_sets: int  # labelsHashToGlobal
    local_to_global: int  # the component's localToGlobal
    global_to_local: int  # the component's globalToLocal


class LabelStore(ABC):
    """Common interface of the designs. Subclasses set ``name`` and ``description``.

    ``calls`` is the write path a design is driven by: ``"labelstore"`` (Alloy's labelstore
    calls, ``operations``) or ``"fanout"`` (``directfanout``: the labelstore methods are
    disabled no-ops and each Fanout's series-ref mapping is called instead).
    """

    name: str = ""
    description: str = ""
    calls: str = "labelstore"
    operations: frozenset[Operation] = LABELSTORE_OPERATIONS

    def __init__(
        self,
        *,
        layout: HashLayout = HashLayout.STRINGLABELS,
        stale_duration_s: float = DEFAULT_STALE_DURATION_S,
        clock: Any = time.time,
    ) -> None:
        self.layout = layout
        self.stale_duration_s = stale_duration_s
        self.clock = clock

    @abstractmethod
    def get_or_add_global_ref_id(self, labels: Labels) -> int: ...

    @abstractmethod
    def get_local_ref_id(self, component: str, global_id: int) -> int: ...

    @abstractmethod
    def add_local_link(self, component: str, global_id: int, local_id: int) -> None: ...

    @abstractmethod
    def replace_local_link(
        self, component: str, global_id: int, cached_local_id: int, new_local_id: int
    ) -> None: ...

    @abstractmethod
    def get_or_add_link(self, component: str, local_id: int, labels: Labels) -> int: ...

    @abstractmethod
    def track_staleness(self, trackers: list[StalenessTracker]) -> None: ...

    @abstractmethod
    def check_and_remove_stale_markers(self, now: float | None = None) -> int:
        """Remove markers older than the stale duration; returns how many were removed."""

    @abstractmethod
    def collect(self) -> dict[str, Any]:
        """``{"global_ids": N, "ids_per_component": {component: N}}``."""

    @property
    @abstractmethod
    def collisions(self) -> int:
        """Distinct label sets seen that shared a hash with another (hash-keyed identity)."""

    @abstractmethod
    def locks(self) -> list[Any]:
        """Every lock the design uses (``lsim.sync`` Mutex/RWMutex), for statistics."""

    @abstractmethod
    def go_frames(self, operation: Operation) -> list[GoFrame]:
        """The Go call stack of ``operation`` in this design, outermost first, ending in the
        frame that calls the lock (e.g. sharded: the shard wrapper, then ``(*Service)``)."""
