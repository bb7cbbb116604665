"""``directfanout``: no labelstore; each Fanout maps series refs itself (Alloy PR #5522).

None of the reference document's six options was merged. Alloy's answer, behind the
experimental flag ``--feature.prometheus.direct-fanout.enabled`` (v1.15.0 on), bypasses the
global labelstore:

* the labelstore is disabled: ``GetOrAddGlobalRefID`` returns 0, every other method does
  nothing and takes no lock; the remote_write hook passes series refs straight through;
* a Fanout's appender depends on its children (``appenders.New``): with none it drops the
  sample; with one it passes refs through (a ref below the dead-ref threshold, i.e. from
  before the last change of children, becomes 0), with no lock at all; with two or more it
  keeps a :class:`~lsim.stores.refmapping.SeriesRefMappingStore` *per Fanout*: ``GetMapping``
  per sample (read lock), ``CreateMapping``/``UpdateMapping`` only for new or changed refs
  (write lock), ``TrackAppendedSeries`` once per Commit/Rollback, and a cleanup goroutine.

So the calls differ from the labelstore's (a design's ``calls`` says which; workloads compile
to the right ones, ``lsim/workload/fanoutplan.py``). This class is the store the engines
drive: the disabled labelstore plus ``fanouts`` mappings, addressed by Fanout index.
:class:`FanoutAppender` is Alloy's per-Fanout appender over them, the reference the step
executor (``lsim/engine/fanoutexec.py``) is tested against. As on Alloy's main after #6821
(Aug 2026): with no mapping the children are given ref 0 and a mapping is made as soon as any
child returns a ref (the merged #5522 returned a lone child's ref unmapped instead; with
remote_write children, which always return refs, both make the same calls).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lsim.labels import Labels
from lsim.stores.base import GoFrame, MapSizes, StalenessTracker
from lsim.stores.common import StoreBase
from lsim.stores.refmapping import REF_TTL_S, ChildRefs, SeriesRefMappingStore
from lsim.sync.states import FANOUT_OPERATIONS, Operation

GO_APPENDERS = "github.com/grafana/alloy/internal/component/prometheus/appenders"
GO_MAPPING_FILE = "seriesrefmapping.go"
GO_LABELSTORE = "github.com/grafana/alloy/internal/service/labelstore"
GO_DISABLED_FILE = "service.go"
MAX_FANOUTS = 10_000
# Where each SeriesRefMappingStore method takes its (first) lock, as on Alloy's main.
MAPPING_LOCK_LINES: dict[Operation, int] = {
    Operation.GET_MAPPING: 317,
    Operation.CREATE_MAPPING: 362,
    Operation.UPDATE_MAPPING: 389,
    Operation.TRACK_APPENDED_SERIES: 406,
    Operation.CLEANUP_STALE_REFS: 437,
}
_DISABLED_LINES = dict.fromkeys(range(1, 9), 340)  # labelstore.disabledStore: no lock at all


def mapping_func(method: str) -> str:
    """``github.com/.../appenders.(*SeriesRefMappingStore).GetMapping``."""
    return f"{GO_APPENDERS}.(*SeriesRefMappingStore).{method}"


class DirectFanoutStore(StoreBase):
    """The disabled labelstore and one series-ref mapping per Fanout (``fanouts`` of them)."""

    name = "directfanout"
    description = "no labelstore: a series-ref mapping per Fanout with 2+ children (Alloy's merge)"
    calls = "fanout"
    operations = FANOUT_OPERATIONS

    def __init__(self, *, fanouts: int = 1, ref_ttl_s: float = REF_TTL_S, **options: Any) -> None:
        super().__init__(**options)
        if not 1 <= fanouts <= MAX_FANOUTS:
            raise ValueError(f"fanouts must be 1..{MAX_FANOUTS} (got {fanouts})")
        self.ref_ttl_s = ref_ttl_s
        self.mappings = [SeriesRefMappingStore(i, self._hash) for i in range(fanouts)]

    # -- the disabled labelstore: no lock, no state -----------------------------------------
    def get_or_add_global_ref_id(self, labels: Labels) -> int:
        return 0

    def get_local_ref_id(self, component: str, global_id: int) -> int:
        return 0

    def add_local_link(self, component: str, global_id: int, local_id: int) -> None:
        return None

    def replace_local_link(
        self, component: str, global_id: int, cached_local_id: int, new_local_id: int
    ) -> None:
        return None

    def get_or_add_link(self, component: str, local_id: int, labels: Labels) -> int:
        return 0

    def track_staleness(self, trackers: list[StalenessTracker]) -> None:
        return None

    def check_and_remove_stale_markers(self, now: float | None = None) -> int:
        return 0

    def collect(self) -> dict[str, Any]:
        return {"global_ids": 0, "ids_per_component": {}}

    def link_tables(self, component: str) -> tuple[dict[int, int], dict[int, int]]:
        return {}, {}

    def map_sizes(self, component: str) -> MapSizes:
        """The Fanouts' unique refs; there are no component links (its model costs do not
        depend on map sizes)."""
        return MapSizes(sum(len(m) for m in self.mappings), 0, 0)

    # -- the Fanouts' mappings ---------------------------------------------------------------
    def get_mapping(self, fanout: int, unique_ref: int, labels: Labels) -> ChildRefs | None:
        return self.mappings[fanout].get_mapping(unique_ref, labels)

    def create_mapping(self, fanout: int, child_refs: Sequence[int], labels: Labels) -> int:
        return self.mappings[fanout].create_mapping(child_refs, labels)

    def update_mapping(
        self, fanout: int, unique_ref: int, child_refs: Sequence[int], labels: Labels
    ) -> None:
        self.mappings[fanout].update_mapping(unique_ref, child_refs, labels)

    def track_appended_series(self, fanout: int, refs: Sequence[int], now: float | None = None,
                              ) -> None:  # fmt: skip
        self.mappings[fanout].track_appended_series(int(self._now(now)), refs)

    def cleanup_stale_refs(self, fanout: int, now: float | None = None) -> int:
        return self.mappings[fanout].cleanup_stale_refs(self._now(now), self.ref_ttl_s)

    @property
    def collisions(self) -> int:
        return sum(len(m.colliding) for m in self.mappings)

    def locks(self) -> list[Any]:
        return [lk for m in self.mappings for lk in m.locks()]

    def go_frames(self, operation: Operation) -> list[GoFrame]:
        if operation in MAPPING_LOCK_LINES:
            return [GoFrame(mapping_func(operation.go_name), GO_MAPPING_FILE,
                            MAPPING_LOCK_LINES[operation])]  # fmt: skip
        if operation in _DISABLED_LINES:
            function = f"{GO_LABELSTORE}.disabledStore.{operation.go_name}"
            return [GoFrame(function, GO_DISABLED_FILE, _DISABLED_LINES[operation])]
        raise ValueError(f"no store frame for operation {operation.name}")


ChildAppend = Callable[[int, int], int]  # (child index, ref given) -> ref the child returns


class FanoutAppender:
    """One Appender of a Fanout with ``children`` children over one mapping store (one scrape
    batch: Append per sample, then Commit), as ``appenders.New`` picks it."""

    def __init__(self, store: SeriesRefMappingStore, children: int, child_append: ChildAppend,
                 dead_ref_threshold: int = 0) -> None:  # fmt: skip
        self.store = store
        self.children = children
        self.child_append = child_append
        self.dead_ref_threshold = dead_ref_threshold
        self.cell: list[int] = []  # refs this appender used, stamped at Commit

    def append(self, ref: int, labels: Labels) -> int:
        if self.children == 0:
            return 0  # Noop: no destination
        if self.children == 1:  # passthrough: no store, no lock
            if ref != 0 and ref < self.dead_ref_threshold:
                ref = 0  # a ref from before the children changed means nothing to the child
            return self.child_append(0, ref)
        existing = self.store.get_mapping(ref, labels)
        if existing is not None and len(existing) == self.children:
            self.cell.append(ref)
            new = tuple(self.child_append(i, r) for i, r in enumerate(existing))
            if new != existing:
                self.store.update_mapping(ref, new, labels)
            return ref
        refs = tuple(self.child_append(i, 0) for i in range(self.children))
        if not any(refs):
            return ref  # no child allocated a ref: nothing to map
        unique_ref = self.store.create_mapping(refs, labels)
        self.cell.append(unique_ref)
        return unique_ref

    def commit(self, now: float) -> None:
        """Commit (and Rollback alike): stamp the refs used, for the cleanup."""
        if self.children >= 2:
            self.store.track_appended_series(int(now), self.cell)
            self.cell = []
