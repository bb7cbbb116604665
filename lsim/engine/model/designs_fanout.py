"""Lock script of ``directfanout``: no labelstore, one series-ref mapping per Fanout.

What each call does under its locks is derived from the statement (``lsim/stores/
locking.py``; ``lsim stores directfanout`` prints it). Hand-written here: which call a step
makes and its result (the real store, through ``FanoutCalls``), the locks' names (per
Fanout, as ``lsim/stores/refmapping.py`` names them), and what the calls do outside the
store: P = ``scrape_parse_ns`` before GetMapping behind a relabel stage, H the label hash
before CreateMapping, the R children's appends after GetMapping (R*W, W =
``wal_append_ns``), and a work step (a sample through a one-child Fanout: P + W, no lock).
``tests/engine/model/test_designs.py`` traces ``lsim/stores/refmapping.py`` against it.
"""

from __future__ import annotations

from typing import Any

from lsim.engine.fanoutexec import SKIPPED, FanoutCalls
from lsim.engine.model.core import END, OP, Item
from lsim.engine.model.designs import Design, register
from lsim.engine.model.golock import SimMutex
from lsim.engine.model.gorwmutex import SimRWMutex
from lsim.engine.model.script import Script
from lsim.stores.lockpath import lock_role
from lsim.stores.refmapping import lock_names
from lsim.sync.states import Operation
from lsim.workload.steps import Step

_OP = Operation
_CACHE_MAX = 10_000


@register
class DirectFanoutDesign(Design):
    """``refMappingMu`` (RWMutex) and ``timestampTrackingMu`` (Mutex) per Fanout."""

    name = "directfanout"
    calls = "fanout"

    def setup(self, shards: int | None) -> None:
        fanouts = len(getattr(self.store, "mappings", ())) or 1
        self.mapping_mu: list[SimRWMutex] = []
        self.tracking_mu: list[SimMutex] = []
        for i in range(fanouts):
            mapping_name, tracking_name = lock_names(i)
            self.mapping_mu.append(self.new_rw(mapping_name))
            self.tracking_mu.append(self.new_mutex(tracking_name))
        mapping_role, tracking_role = (lock_role(name) for name in lock_names(0))
        self.roles.update(
            {mapping_role: list(self.mapping_mu), tracking_role: list(self.tracking_mu)}
        )
        self.cache: dict[tuple[int, ...], list[Item]] = {}

    def compile(self, program: Any, st: Any, step: Step) -> list[Item] | None:
        """Items of one direct-fanout step; None when its condition skips the call."""
        calls = st.fanout
        if calls is None:
            calls = st.fanout = FanoutCalls(self.store, program.series.labels)
        op, f = step.op, step.component
        relabel = step.local_id == 0
        if op is _OP.NONE:  # a work step: the sample passes a one-child Fanout
            return self._items(program, (0, relabel), lambda s: self._work(s, relabel))
        tracked = 0
        if op is _OP.CLEANUP_STALE_REFS:
            tracked = len(self.store.mappings[f].unique_ref_timestamps)
        result = calls.run(step)
        if result is SKIPPED:
            return None
        if op is _OP.GET_MAPPING:
            # Given ref 0, a hit costs two probes (by hash, then the mapping and its check);
            # a miss one (the hash entry is absent); any other ref one.
            probes = 2 if calls.given == 0 and result is not None else 1
            key: tuple[int, ...] = (int(op), f, relabel, probes)
            return self._items(program, key, lambda s: self.get_mapping(s, f, relabel, probes))
        if op is _OP.CREATE_MAPPING:
            return self._items(program, (int(op), f), lambda s: self.create_mapping(s, f))
        if op is _OP.UPDATE_MAPPING:
            locked = calls.given != 0
            key = (int(op), f, locked)
            return self._items(program, key, lambda s: self.update_mapping(s, f, locked))
        if op is _OP.TRACK_APPENDED_SERIES:
            key = (int(op), f, result)
            return self._items(program, key, lambda s: self.track_appended(s, f, result))
        removed = result
        return self._items(program, None, lambda s: self.cleanup(s, f, tracked, removed))

    def _items(self, program: Any, key: tuple[int, ...] | None, build: Any) -> list[Item]:
        rng = program.rng
        items = self.cache.get(key) if key is not None and rng is None else None
        if items is None:
            s = Script(rng)
            build(s)
            items = s.items
            if key is not None and rng is None and len(self.cache) < _CACHE_MAX:
                self.cache[key] = items
        return items

    # -- scripts (public for the trace test) -------------------------------------------------
    def _call(self, s: Script, op: Operation, outside_ns: int = 0) -> None:
        s.cpu(outside_ns + self.c.call)
        s.items.append((OP, int(op), -1))

    def _work(self, s: Script, relabel: bool) -> None:
        s.cpu((self.c.parse if relabel else 0) + self.c.wal)

    def get_mapping(self, s: Script, f: int, relabel: bool, probes: int) -> None:
        c = self.c
        self._call(s, _OP.GET_MAPPING, c.parse if relabel else 0)
        self.stated.build(s, _OP.GET_MAPPING, {"probes": probes}, comp=f)
        s.items.append((END, 0, 0))
        s.cpu(self.nc * c.wal)  # the children's appends (each remote_write's WAL)

    def create_mapping(self, s: Script, f: int) -> None:
        self._call(s, _OP.CREATE_MAPPING, self.c.hash)  # the label hash, before locking
        self.stated.build(s, _OP.CREATE_MAPPING, {}, comp=f)
        s.items.append((END, 0, 0))

    def update_mapping(self, s: Script, f: int, locked: bool) -> None:
        self._call(s, _OP.UPDATE_MAPPING)
        self.stated.build(s, _OP.UPDATE_MAPPING, {"ref": locked}, comp=f)
        s.items.append((END, 0, 0))

    def track_appended(self, s: Script, f: int, refs: int) -> None:
        self._call(s, _OP.TRACK_APPENDED_SERIES)
        self.stated.build(s, _OP.TRACK_APPENDED_SERIES, {"refs": refs}, comp=f)
        s.items.append((END, 0, 0))

    def cleanup(self, s: Script, f: int, tracked: int, removed: int) -> None:
        self._call(s, _OP.CLEANUP_STALE_REFS)
        counts = {"tracked": tracked, "removed": removed}
        self.stated.build(s, _OP.CLEANUP_STALE_REFS, counts, comp=f)
        s.items.append((END, 0, 0))
