"""The plan contract (``lsim/workload/steps.py``) for simulated goroutines.

Each goroutine walks its own ``plan.thread_steps`` stream. For a store step the program
calls a real store of the chosen design, single-threaded, for the RESULT (so ``IF_NO_LOCAL``
and ``IF_LOCAL_CHANGED`` fire exactly as in the thread engine, and hits, misses and shards
are the real ones), and asks the design's lock script for the TIMING. Results are computed
when the goroutine starts the call, so calls racing on the same series are linearised in
start order rather than lock order; both are orders the real store could produce.

Item lists that depend only on ``(operation, shard, path)`` are built once and shared (they
are read-only; each goroutine keeps its own position), unless costs are random.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any, Final

from lsim.engine.model import core
from lsim.engine.model.core import Goroutine, Item
from lsim.engine.model.designs import Design, ShardedDesign
from lsim.engine.model.far import FarAccesses
from lsim.engine.model.script import Costs, Script
from lsim.stores import base
from lsim.stores.base import StalenessTracker
from lsim.sync.states import Operation
from lsim.workload.model import Workload
from lsim.workload.plan import thread_steps
from lsim.workload.series import SeriesSet
from lsim.workload.steps import Condition, Step

# Final names (mypyc: C statics, where a plain imported name is a dict lookup at each use)
END: Final = core.END
OP: Final = core.OP
PACE: Final = core.PACE
SLEEP: Final = core.SLEEP
STALE_NAN: Final = base.STALE_NAN
_Tracker: Final = StalenessTracker
_SHARD_SHIFT: Final = 56
_CACHE_MAX: Final = 100_000  # distinct cached item lists (TrackStaleness shapes can vary a lot)
_GOA: Final = Operation.GET_OR_ADD_GLOBAL_REF_ID
_LOCAL: Final = Operation.GET_LOCAL_REF_ID
_ADD: Final = Operation.ADD_LOCAL_LINK
_REPLACE: Final = Operation.REPLACE_LOCAL_LINK
_LINK: Final = Operation.GET_OR_ADD_LINK
_TRACK: Final = Operation.TRACK_STALENESS
_GC: Final = Operation.CHECK_AND_REMOVE_STALE_MARKERS
_COLLECT: Final = Operation.COLLECT
_NONE: Final = Operation.NONE
_IF_NO_LOCAL: Final = Condition.IF_NO_LOCAL
_IF_CHANGED: Final = Condition.IF_LOCAL_CHANGED
# (operation, shard, component, miss, path, far facts' key): calls with one key share items
CacheKey = tuple[int, int, int, bool, int, int]


class ThreadState:
    """What the contract keeps per goroutine: ``gid[series]`` and ``last_local``."""

    __slots__ = ("plan", "gid", "last_local", "fanout")

    def __init__(self, plan: Iterator[Step]) -> None:
        self.plan = plan
        self.gid: dict[int, int] = {}
        self.last_local = 0
        self.fanout: Any = None  # directfanout: the design's per-goroutine context


class Program:
    def __init__(
        self, workload: Workload, design: Design, store: Any, series: SeriesSet, costs: Costs,
        rng: random.Random, clock_s: Callable[[], float], *, reuse_hits: bool = False,
    ) -> None:  # fmt: skip
        self.w = workload
        self.design = design
        self.store = store
        self.series = series
        self.c = costs
        self.rng = rng if costs.exponential else None
        self.clock_s = clock_s
        self.names = workload.components
        self.sharded = isinstance(design, ShardedDesign)
        self.known: set[int] = set()  # global ids that exist (a new one means a map insert)
        self.iteration = 0
        self.cache: dict[CacheKey, list[Item]] = {}
        # what an access to a growing map costs beyond a cached one (far.py): part of each
        # call's script, so of its cache key too
        self.far = (
            FarAccesses(store, self.names or ("",), costs.miss, costs.cached)
            if costs.miss > 0
            else None
        )
        # reuse_hits: series -> GetOrAddGlobalRefID's answer, so the store is called only
        # when the answer can change (a hit changes nothing in the store; a GC that removes
        # ids clears it). Off, every call reaches the store (the lock-trace tests need that),
        # as for a design whose hits change its store (Design.hits_are_pure: lockfree's).
        self.goa: dict[int, int] | None = {} if reuse_hits and design.hits_are_pure else None
        self.paces: dict[float, list[Item]] = {}

    def next_items(self, g: Goroutine) -> list[Item] | None:
        st = g.ctx
        if st is None:
            plan = thread_steps(self.w, g.id, iteration=self.iteration, calls=self.design.calls)
            st = g.ctx = ThreadState(plan)
        # The hot path, once per plan step: the common operations are dispatched here
        # rather than through _compile (one Python call less per step, ~10% of a step).
        global_, local, compile_ = self._global, self._local, self._compile
        for step in st.plan:
            op = step.op
            if op is _GOA:
                return global_(st, step, op)
            if op is _LOCAL:
                items = local(st, step, op)
            elif op is _ADD or op is _REPLACE:
                # a steady pipeline skips most of these: decide before calling _local
                cond, last = step.condition, st.last_local
                if cond is _IF_NO_LOCAL and last != 0:
                    continue
                if cond is _IF_CHANGED and (last == 0 or last == step.local_id):
                    continue
                items = local(st, step, op)
            elif op is _NONE and step.pace_period_s > 0:
                items = self._pace(step.pace_period_s)
            else:
                items = compile_(st, step)
            if items is not None:
                return items
        return None

    def _pace(self, period_s: float) -> list[Item]:
        """A pace step's one item, built once per period (every goroutine shares it)."""
        items = self.paces.get(period_s)
        if items is None:
            items = self.paces[period_s] = [(PACE, max(1, round(period_s * 1e9)), 0)]
        return items

    def _shard(self, gid: int) -> int:
        return gid >> _SHARD_SHIFT if self.sharded else -1

    def _compile(self, st: ThreadState, step: Step) -> list[Item] | None:
        op = step.op
        if op is _GOA or op is _LINK:
            return self._global(st, step, op)
        if op is _LOCAL or op is _ADD or op is _REPLACE:
            return self._local(st, step, op)
        if op is _NONE:
            if step.pace_period_s > 0:
                return [(PACE, max(1, round(step.pace_period_s * 1e9)), 0)]
            if step.pause_s > 0:
                return [(SLEEP, max(1, round(step.pause_s * 1e9)), 0)]
            if step.series >= 0:  # a work step (directfanout passing a sample through)
                return self.design.compile(self, st, step)
            return None
        return self._rare(st, step)

    def _global(self, st: ThreadState, step: Step, op: Operation) -> list[Item]:
        """GetOrAddGlobalRefID and GetOrAddLink: the label set's global id (maybe new)."""
        comp = path = 0
        if op is _GOA:
            goa = self.goa
            gid = goa.get(step.series, -1) if goa is not None else -1
            if gid < 0:
                gid = self.store.get_or_add_global_ref_id(self.series.labels(step.series))
                if goa is not None:
                    goa[step.series] = gid
        else:
            comp = step.component
            path = self.design.peek(self.names[comp])
            gid = self.store.get_or_add_link(
                self.names[comp], step.local_id, self.series.labels(step.series)
            )
        path = self.design.taken(path)
        st.gid[step.series] = gid
        miss = gid not in self.known
        if miss:
            self.known.add(gid)
        shard = gid >> _SHARD_SHIFT if self.sharded else -1
        far = self.far
        key = (op, shard, comp, miss, path, far.key(comp) if far is not None else 0)
        items = self.cache.get(key)
        if items is None or self.rng is not None:
            self._far_facts(comp)
            s = self._begin(op, shard, self.c.parse)
            if op is _GOA:
                self.design.get_or_add(s, shard, miss)
            else:
                self.design.get_or_add_link(s, shard, comp, miss, path)
            items = self._end(s, 0, key)
        return items

    def _local(self, st: ThreadState, step: Step, op: Operation) -> list[Item] | None:
        """GetLocalRefID, and the conditional AddLocalLink / ReplaceLocalLink after it."""
        last = st.last_local
        cond = step.condition
        if cond is _IF_NO_LOCAL and last != 0:
            return None
        if cond is _IF_CHANGED and (last == 0 or last == step.local_id):
            return None
        comp = step.component
        name = self.names[comp]
        gid = st.gid.get(step.series, 0)
        path = self.design.peek(name)
        store = self.store
        if op is _LOCAL:
            st.last_local = store.get_local_ref_id(name, gid)
        elif op is _ADD:
            store.add_local_link(name, gid, step.local_id)
        else:
            store.replace_local_link(name, gid, last, step.local_id)
        path = self.design.taken(path)
        shard = gid >> _SHARD_SHIFT if self.sharded else -1
        far = self.far
        key = (op, shard, comp, False, path, far.key(comp) if far is not None else 0)
        items = self.cache.get(key)
        if items is None or self.rng is not None:
            self._far_facts(comp)
            s = self._begin(op, shard, 0)
            design = self.design
            script = {_LOCAL: design.get_local, _ADD: design.add_link,
                      _REPLACE: design.replace_link}[op]  # fmt: skip
            script(s, shard, comp, path)
            items = self._end(s, self.c.wal if op is _LOCAL else 0, key)
        return items

    def _rare(self, st: ThreadState, step: Step) -> list[Item] | None:
        """TrackStaleness, CheckAndRemoveStaleMarkers, Collect (others: the design's)."""
        op = step.op
        if op is _TRACK:
            return self._track(st, step)
        if op is not _GC and op is not _COLLECT:  # not the labelstore's: directfanout's calls
            return self.design.compile(self, st, step)
        self._far_facts(0)
        s = self._begin(op, -1, 0)
        if op is _GC:
            expired = self.store.check_and_remove_stale_markers(self.clock_s())
            if expired and self.goa is not None:
                self.goa.clear()  # removed hashes: their next GetOrAdd is a new id
            self.design.gc(s, expired)
        else:
            self.store.collect()
            self.design.collect(s)
        return self._end(s, 0, None)

    def _track(self, st: ThreadState, step: Step) -> list[Item]:
        gid_of, labels = st.gid.get, self.series.labels
        stale = [_Tracker(gid_of(x, 0), STALE_NAN, labels(x)) for x in step.stale]
        live = [_Tracker(gid_of(x, 0), 1.0, labels(x)) for x in step.live]
        self.store.track_staleness(stale + live)
        if self.sharded:  # one lock section per shard the batch touches
            parts: dict[int, tuple[int, int]] = {}
            for trackers, is_stale in ((stale, True), (live, False)):
                for t in trackers:
                    shard = t.global_ref_id >> _SHARD_SHIFT
                    m, n = parts.get(shard, (0, 0))
                    parts[shard] = (m + 1, n) if is_stale else (m, n + 1)
            parts = parts or {0: (0, 0)}
        else:
            parts = {-1: (len(stale), len(live))}
        far = self.far.key(0) if self.far is not None else 0
        shape = hash((tuple(parts.items()), self.design.taken(0)))
        key = (_TRACK, shape, 0, False, len(parts), far)
        items = self.cache.get(key) if len(self.cache) < _CACHE_MAX else None
        if items is None or self.rng is not None:
            self._far_facts(0)
            s = self._begin(_TRACK, -1, 0)
            self.design.track(s, parts)
            items = self._end(s, 0, key if len(self.cache) < _CACHE_MAX else None)
        return items

    def _far_facts(self, comp: int) -> None:
        """Before a script is built: the far facts of ``comp``'s calls, for the design."""
        if self.far is not None:
            self.design.far.update(self.far.facts[comp])

    def _begin(self, op: Operation, shard: int, outside_ns: int) -> Script:
        s = Script(self.rng)
        s.cpu(outside_ns + self.c.call)
        s.items.append((OP, int(op), shard))
        return s

    def _end(self, s: Script, outside_ns: int, key: CacheKey | None) -> list[Item]:
        s.items.append((END, 0, 0))
        s.cpu(outside_ns)
        if key is not None and self.rng is None:
            self.cache[key] = s.items
        return s.items
