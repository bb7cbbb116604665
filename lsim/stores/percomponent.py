"""``percomponent``: an RWMutex per component mapping, the global Mutex for the rest (option 5).

``Service.mut`` guards the hash map, the id counter, the stale markers and the creation of
mappings; each mapping's ``mu`` (RWMutex) guards its two maps, so components never block each
other on ``GetLocalRefID``/``AddLocalLink``/``ReplaceLocalLink``.

Finding a mapping takes no lock: ``mappings`` is copy-on-write, a new dict published with one
attribute store under ``Service.mut`` whenever a component appears (Go: an
``atomic.Pointer[map[string]*remoteWriteMapping]``; components are few and never removed, so
the copies are rare). A miss re-checks under ``Service.mut`` before creating.

Lock order: **Service.mut -> mapping.mu**, never the reverse. ``GetOrAddLink``, the GC and
``Collect`` hold ``Service.mut`` while they take mapping locks: holding it while linking keeps
the GC from removing the id between its lookup and the link (the original's single lock
guarantees the same), and the GC removes hashes and links in one step.
"""

from __future__ import annotations

from typing import Any

from lsim.labels import Labels
from lsim.stores.base import GoFrame, StalenessTracker
from lsim.stores.common import ServiceStore, go_func, service_frame
from lsim.stores.mutex import SERVICE_MUT
from lsim.stores.state import ComponentMapping
from lsim.sync import Mutex, RWMutex
from lsim.sync.states import Operation

# The (*remoteWriteMapping) method that takes the component lock, for the ops that wait there.
_MAPPING_FRAMES: dict[Operation, tuple[str, int]] = {
    Operation.GET_LOCAL_REF_ID: ("getLocalRefID", 321),
    Operation.ADD_LOCAL_LINK: ("addLink", 331),
    Operation.REPLACE_LOCAL_LINK: ("replaceLink", 342),
}


class LockedMapping(ComponentMapping):
    """A component mapping with its own lock, named after the component for the census."""

    __slots__ = ("mu", "read")

    def __init__(self, component: str) -> None:
        super().__init__(component)
        self.mu = RWMutex(f"labelstore.mapping[{component}].mu")
        self.read = self.mu.reader()  # built once: entered on every GetLocalRefID


class PerComponentStore(ServiceStore):
    name = "percomponent"
    description = "an RWMutex per component mapping; the global Mutex for hashes and staleness"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.mut = Mutex(SERVICE_MUT)
        self._mappings: dict[str, LockedMapping] = {}  # replaced, never mutated

    def _mapping(self, component: str) -> LockedMapping:
        m = self._mappings.get(component)
        if m is None:
            with self.mut:
                m = self._mapping_locked(component)
        return m

    def _mapping_locked(self, component: str) -> LockedMapping:
        m = self._mappings.get(component)
        if m is None:
            m = LockedMapping(component)
            self._mappings = {**self._mappings, component: m}
        return m

    def get_or_add_global_ref_id(self, labels: Labels) -> int:
        if labels.is_empty():
            return 0
        with self.mut:
            return self._ids.get_or_add(self._hash(labels), labels)

    def get_local_ref_id(self, component: str, global_id: int) -> int:
        m = self._mappings.get(component)
        if m is None:
            return 0
        with m.read:
            return m.local_id(global_id)

    def add_local_link(self, component: str, global_id: int, local_id: int) -> None:
        m = self._mapping(component)
        with m.mu:
            m.link(global_id, local_id)

    def replace_local_link(
        self, component: str, global_id: int, cached_local_id: int, new_local_id: int
    ) -> None:
        m = self._mappings.get(component)
        if m is None:  # Alloy: no mapping yet -> same as AddLocalLink
            self.add_local_link(component, global_id, new_local_id)
            return
        with m.mu:
            m.replace(global_id, cached_local_id, new_local_id)

    def get_or_add_link(self, component: str, local_id: int, labels: Labels) -> int:
        if labels.is_empty():
            return 0
        with self.mut:
            global_id = self._ids.get_or_add(self._hash(labels), labels)
            m = self._mapping_locked(component)
            with m.mu:
                m.link(global_id, local_id)
            return global_id

    def track_staleness(self, trackers: list[StalenessTracker]) -> None:
        batch = self._split(trackers)
        with self.mut:
            self._stale.apply(batch)

    def check_and_remove_stale_markers(self, now: float | None = None) -> int:
        now = self._now(now)
        with self.mut:
            expired = self._stale.pop_expired(now, self.stale_duration_s)
            for _, label_hash in expired:
                self._ids.forget(label_hash)
            if expired:
                gone = [global_id for global_id, _ in expired]
                for m in self._mappings.values():
                    with m.mu:
                        m.unlink_all(gone)
            return len(expired)

    def collect(self) -> dict[str, Any]:
        with self.mut:
            per_component: dict[str, int] = {}
            for m in self._mappings.values():
                with m.read:
                    per_component[m.component] = len(m)
            return {"global_ids": len(self._ids), "ids_per_component": per_component}

    def _find_mapping(self, component: str) -> ComponentMapping | None:
        return self._mappings.get(component)

    def locks(self) -> list[Any]:
        return [self.mut, *(m.mu for m in self._mappings.values())]

    def go_frames(self, operation: Operation) -> list[GoFrame]:
        frames = [service_frame(operation)]
        helper = _MAPPING_FRAMES.get(operation)
        if helper is not None:
            method, line = helper
            frames.append(GoFrame(go_func("remoteWriteMapping", method), "service.go", line))
        return frames
