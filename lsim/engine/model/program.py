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
from typing import Any

from lsim.engine.model.core import CPU, END, OP, PACE, SLEEP, Goroutine, Item
from lsim.engine.model.designs import Design, ShardedDesign
from lsim.engine.model.script import Costs, Script
from lsim.stores.base import STALE_NAN, StalenessTracker
from lsim.sync.states import Operation
from lsim.workload.model import Workload
from lsim.workload.plan import thread_steps
from lsim.workload.series import SeriesSet
from lsim.workload.steps import Condition, Step

_SHARD_SHIFT = 56
_GOA, _LOCAL = Operation.GET_OR_ADD_GLOBAL_REF_ID, Operation.GET_LOCAL_REF_ID
_ADD, _REPLACE = Operation.ADD_LOCAL_LINK, Operation.REPLACE_LOCAL_LINK
_LINK, _TRACK = Operation.GET_OR_ADD_LINK, Operation.TRACK_STALENESS
_GC, _COLLECT = Operation.CHECK_AND_REMOVE_STALE_MARKERS, Operation.COLLECT


class ThreadState:
    """What the contract keeps per goroutine: ``gid[series]`` and ``last_local``."""

    __slots__ = ("plan", "gid", "last_local")

    def __init__(self, plan: Iterator[Step]) -> None:
        self.plan = plan
        self.gid: dict[int, int] = {}
        self.last_local = 0


class Program:
    def __init__(
        self, workload: Workload, design: Design, store: Any, series: SeriesSet, costs: Costs,
        rng: random.Random, clock_s: Callable[[], float],
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
        self.cache: dict[tuple[int, int, int, int, bool], list[Item]] = {}

    def next_items(self, g: Goroutine) -> list[Item] | None:
        st = g.ctx
        if st is None:
            st = g.ctx = ThreadState(thread_steps(self.w, g.id, iteration=self.iteration))
        for step in st.plan:
            items = self._compile(st, step)
            if items is not None:
                return items
        return None

    def _shard(self, gid: int) -> int:
        return gid >> _SHARD_SHIFT if self.sharded else -1

    def _compile(self, st: ThreadState, step: Step) -> list[Item] | None:
        op = step.op
        if op is Operation.NONE:
            if step.pace_period_s > 0:
                return [(PACE, max(1, round(step.pace_period_s * 1e9)), 0)]
            if step.pause_s > 0:
                return [(SLEEP, max(1, round(step.pause_s * 1e9)), 0)]
            return None
        store, design = self.store, self.design
        if op is _GOA or op is _LINK:
            labels = self.series.labels(step.series)
            if op is _GOA:
                gid = store.get_or_add_global_ref_id(labels)
            else:
                comp = step.component
                known = design.peek(self.names[comp])
                gid = store.get_or_add_link(self.names[comp], step.local_id, labels)
            st.gid[step.series] = gid
            miss = gid not in self.known
            if miss:
                self.known.add(gid)
            shard = self._shard(gid)
            key = (op, shard, 0 if op is _GOA else comp, int(miss), op is _GOA or known)
            items = self.cache.get(key) if self.rng is None else None
            if items is None:
                s = self._begin(op, shard, self.c.parse)
                if op is _GOA:
                    design.get_or_add(s, shard, miss)
                else:
                    design.get_or_add_link(s, shard, comp, miss, known)
                items = self._end(s, 0, key)
            return items
        if op is _LOCAL or op is _ADD or op is _REPLACE:
            cond = step.condition
            last = st.last_local
            if cond is Condition.IF_NO_LOCAL and last != 0:
                return None
            if cond is Condition.IF_LOCAL_CHANGED and (last == 0 or last == step.local_id):
                return None
            comp = step.component
            name = self.names[comp]
            gid = st.gid.get(step.series, 0)
            known = design.peek(name)
            if op is _LOCAL:
                st.last_local = store.get_local_ref_id(name, gid)
            elif op is _ADD:
                store.add_local_link(name, gid, step.local_id)
            else:
                store.replace_local_link(name, gid, last, step.local_id)
            shard = self._shard(gid)
            key = (op, shard, comp, 0, known)
            items = self.cache.get(key) if self.rng is None else None
            if items is None:
                s = self._begin(op, shard, 0)
                script = {_LOCAL: design.get_local, _ADD: design.add_link,
                          _REPLACE: design.replace_link}[op]  # fmt: skip
                script(s, shard, comp, known)
                items = self._end(s, self.c.wal if op is _LOCAL else 0, key)
            return items
        return self._rare(st, step)

    def _rare(self, st: ThreadState, step: Step) -> list[Item]:
        """TrackStaleness, CheckAndRemoveStaleMarkers, Collect: built every time."""
        op = step.op
        s = self._begin(op, -1, 0)
        if op is _TRACK:
            gid_of, labels = st.gid.get, self.series.labels
            trackers = [StalenessTracker(gid_of(x, 0), STALE_NAN, labels(x)) for x in step.stale]
            trackers += [StalenessTracker(gid_of(x, 0), 1.0, labels(x)) for x in step.live]
            self.store.track_staleness(trackers)
            parts: dict[int, tuple[int, int]] = {}
            n = len(step.stale)
            for i, t in enumerate(trackers):
                shard = self._shard(t.global_ref_id)
                marked, live = parts.get(shard, (0, 0))
                parts[shard] = (marked + 1, live) if i < n else (marked, live + 1)
            self.design.track(s, parts or {-1 if not self.sharded else 0: (0, 0)})
        elif op is _GC:
            self.design.gc(s, self.store.check_and_remove_stale_markers(self.clock_s()))
        elif op is _COLLECT:
            self.store.collect()
            self.design.collect(s)
        else:
            raise ValueError(f"the model cannot run operation {op!r}")
        return self._end(s, 0, None)

    def _begin(self, op: Operation, shard: int, outside_ns: int) -> Script:
        s = Script(self.rng)
        s.cpu(outside_ns)
        s.items.append((OP, int(op), shard))
        return s

    def _end(self, s: Script, outside_ns: int, key: tuple[int, int, int, int, bool] | None,
             ) -> list[Item]:  # fmt: skip
        s.items.append((END, 0, 0))
        s.cpu(outside_ns)
        if key is not None and self.rng is None:
            self.cache[key] = s.items
        return s.items


def reset_item_cpu(items: list[Item]) -> int:
    """Total CPU of an item list (tests and the benchmark use it)."""
    return sum(a for kind, a, _ in items if kind == CPU)
