"""Lock script of ``directfanout``: no labelstore, one series-ref mapping per Fanout.

Mirrors ``lsim/stores/refmapping.py`` lock for lock (``tests/engine/model/test_designs.py``
traces both). Costs as in ``designs.py`` (H hash, M hit, I insert, N new entry, L lock;
R = the Fanout's children, W = ``wal_append_ns``, P = ``scrape_parse_ns``):

===================  =================================================================
call                 items
===================  =================================================================
GetMapping           P outside behind a relabel stage, then ``[refMappingMu R: L+2H+2M]``
                     when given ref 0 and found (lookup by hash, then the mapping and its
                     hash check), else ``[... R: L+H+M]``; after it, the R child appends
                     outside (R*W)
CreateMapping        H outside, ``[refMappingMu W: L+2I+N]``
UpdateMapping        given ref 0: returns before locking; else ``[refMappingMu W: L+2H+M+I]``
TrackAppendedSeries  ``[timestampTrackingMu: L + refs*M]``
cleanupStaleRefs     ``[timestampTrackingMu > refMappingMu W: 2L + tracked*M + removed*3I]``
work step            a sample passed through a one-child Fanout: P (relabel) + W, no lock
===================  =================================================================
"""

from __future__ import annotations

from typing import Any

from lsim.engine.fanoutexec import SKIPPED, FanoutCalls
from lsim.engine.model.core import END, OP, READ, WRITE, Item
from lsim.engine.model.designs import Design, register
from lsim.engine.model.golock import SimMutex, SimRWMutex
from lsim.engine.model.script import Script
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
        s.section(self.mapping_mu[f], READ, c.lock + probes * (c.hash + c.hit))
        s.items.append((END, 0, 0))
        s.cpu(self.nc * c.wal)  # the children's appends (each remote_write's WAL)

    def create_mapping(self, s: Script, f: int) -> None:
        c = self.c
        self._call(s, _OP.CREATE_MAPPING, c.hash)  # the label hash is taken before locking
        s.section(self.mapping_mu[f], WRITE, c.lock + 2 * c.insert + c.new_series, writes=2)
        s.items.append((END, 0, 0))

    def update_mapping(self, s: Script, f: int, locked: bool) -> None:
        c = self.c
        self._call(s, _OP.UPDATE_MAPPING)
        if locked:  # ref 0 returns before the lock
            s.section(self.mapping_mu[f], WRITE, c.lock + 2 * c.hash + c.hit + c.insert,
                      writes=1)  # fmt: skip
        s.items.append((END, 0, 0))

    def track_appended(self, s: Script, f: int, refs: int) -> None:
        self._call(s, _OP.TRACK_APPENDED_SERIES)
        s.section(self.tracking_mu[f], WRITE, self.c.lock + refs * self.c.hit, writes=1)
        s.items.append((END, 0, 0))

    def cleanup(self, s: Script, f: int, tracked: int, removed: int) -> None:
        c = self.c
        self._call(s, _OP.CLEANUP_STALE_REFS)
        s.lock(self.tracking_mu[f])
        s.lock(self.mapping_mu[f], WRITE)
        s.cpu(2 * c.lock + tracked * c.hit + removed * 3 * c.insert)
        s.unlock(self.mapping_mu[f], WRITE, writes=2 if removed else 0)
        s.unlock(self.tracking_mu[f], writes=1 if removed else 0)
        s.items.append((END, 0, 0))
