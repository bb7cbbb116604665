"""Per-thread operation plans: a workload + a thread index -> a lazy stream of :class:`Step`.

``thread_steps`` is what both engines execute (the meaning of each step is in ``steps.py``).
Plans are generators: nothing is built per thread beyond one batch's series indices, so
20,000-54,000 threads cost little memory. Everything is derived from ``workload.seed``,
the thread index and (burst mode) the iteration through ``ids.seed_for`` (SplitMix64), never
through Python's per-process salted ``hash()``, so a run is reproducible from its seed.

Id schemes (``ids.py`` has the shared constants):

* ``local_ids: stable``: ``series*100 + component + gen*GEN_STRIDE``, ``gen`` = WAL ref
  changes of that series so far in this thread (0 = the prepopulated id);
* ``local_ids: benchmark``: ``series*1000 + thread + cycle*GEN_STRIDE``. Cycle 0 is exactly
  Alloy's ``lblIdx*1000+g``; later cycles/iterations add ``cycle*GEN_STRIDE`` so that the
  ``IF_LOCAL_CHANGED`` condition fires exactly when Go's ``cachedLocalRef != 0`` branch calls
  ReplaceLocalLink (Go replaces even when the cached id is the goroutine's own from the last
  iteration; with a constant id the condition would skip that call);
* churn: the k-th replacement in thread t creates series ``count + k*CHURN_STRIDE + t``;
  prepopulated links are ``series*100 + component``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any, Final

from lsim.sync.states import Operation
from lsim.workload import ids
from lsim.workload.ids import prepopulated_local_id, seed_for
from lsim.workload.mixplan import mix_steps, pacing_step
from lsim.workload.model import PipelineSpec, Workload
from lsim.workload.series import SeriesSet
from lsim.workload.steps import Condition, Step

_OP = Operation
# Steps kept by all threads' replayed cycles together (~100 bytes each, so ~40 MB).
CACHE_BUDGET_STEPS: Final = 400_000
_NONE: Final[frozenset[int]] = frozenset()
# Final names for what each step reads (mypyc: C statics, where a plain imported name is a
# dict lookup at each use)
CHURN_STRIDE: Final = ids.CHURN_STRIDE
GEN_STRIDE: Final = ids.GEN_STRIDE
LOCAL_ID_MASK: Final = ids.LOCAL_ID_MASK
_Step: Final = Step
_GOA: Final = Operation.GET_OR_ADD_GLOBAL_REF_ID
_LOCAL: Final = Operation.GET_LOCAL_REF_ID
_ADD: Final = Operation.ADD_LOCAL_LINK
_REPLACE: Final = Operation.REPLACE_LOCAL_LINK
_TRACK: Final = Operation.TRACK_STALENESS
_IF_NO_LOCAL: Final = Condition.IF_NO_LOCAL
_IF_CHANGED: Final = Condition.IF_LOCAL_CHANGED


def thread_steps(
    workload: Workload, thread_index: int, *, iteration: int = 0, calls: str = "labelstore"
) -> Iterator[Step]:
    """The plan of one thread: endless in steady mode; one iteration's steps in burst mode.

    ``iteration`` is used in burst mode only (each iteration's threads start afresh).
    ``calls`` is the design's write path (``LabelStore.calls``): ``"labelstore"``, or
    ``"fanout"`` for ``directfanout`` (``fanoutplan.py``; pipelines only).
    """
    if thread_index < 0 or iteration < 0:
        raise ValueError(f"thread_index and iteration must be >= 0 ({thread_index}, {iteration})")
    burst = workload.threads.mode == "burst"
    behaviour = workload.behaviour
    if calls == "fanout":
        from lsim.workload.fanoutplan import FanoutThread, check_fanout_workload

        check_fanout_workload(workload)
        assert isinstance(behaviour, PipelineSpec)
        pipe: _PipelineThread = FanoutThread(workload, behaviour, thread_index)
        return pipe.cycle(iteration, fresh=True) if burst else pipe.steady()
    if calls != "labelstore":
        raise ValueError(f"calls must be 'labelstore' or 'fanout' (got {calls!r})")
    if isinstance(behaviour, PipelineSpec):
        pipe = _PipelineThread(workload, behaviour, thread_index)
        return pipe.cycle(iteration, fresh=True) if burst else pipe.steady()
    return mix_steps(workload, behaviour, thread_index, iteration)


class _PipelineThread:
    """One scrape target: its batch of series, its components, its churn and WAL refs."""

    __slots__ = (
        "w",
        "p",
        "t",
        "count",
        "spt",
        "rng",
        "_random_base",
        "comps",
        "tracks",
        "churn",
        "gens",
    )

    def __init__(self, w: Workload, p: PipelineSpec, t: int) -> None:
        self.w, self.p, self.t = w, p, t
        self.count = w.series.count
        self.spt = p.series_per_thread
        # A Mersenne Twister costs ~2.5 KiB: only threads whose plan draws anything get one.
        needs_rng = (
            p.series_select == "random"
            or p.wal_ref_change_probability > 0
            or w.pacing.think == "exponential"
        )
        self.rng = random.Random(seed_for(w.seed, t, 0, 1)) if needs_rng else None
        self._random_base: list[int] = []
        if self.rng is not None and p.series_select == "random":
            self._random_base = self.rng.sample(range(self.count), self.spt)
        n = len(w.components)
        self.comps = tuple(range(n)) if p.component_select == "all" else (t % n,)
        self.tracks = p.fanout_stages if t % p.track_every_n_threads == 0 else 0
        # Replacements per cycle; counted cumulatively so fractional rates even out.
        self.churn = w.series.churn.fraction_per_cycle * self.spt
        self.gens: dict[tuple[int, int], int] = {}  # (series, component) -> WAL ref changes

    def base(self, j: int) -> int:
        p = self.p
        if p.series_select == "random":
            return self._random_base[j]
        stride = self.spt if p.series_select == "block" else p.series_stride
        return (self.t * stride + j) % self.count

    def events(self, cycle: int) -> int:
        """Churn replacements that happened up to and including ``cycle``."""
        return math.floor(cycle * self.churn + 1e-9) if cycle > 0 else 0

    def occupant(self, j: int, n_events: int) -> int:
        """The series in slot ``j`` after the first ``n_events`` replacements."""
        if n_events <= j:
            return self.base(j)
        k = j + self.spt * ((n_events - 1 - j) // self.spt)  # last event that hit slot j
        return self.count + k * CHURN_STRIDE + self.t

    def local_id(self, series: int, comp: int, cycle: int) -> int:
        if self.p.local_ids == "benchmark":
            return (series * 1000 + self.t + cycle * GEN_STRIDE) & LOCAL_ID_MASK
        gen = 0
        if self.p.wal_ref_change_probability:
            key = (series, comp)
            gen = self.gens.get(key, 0)
            assert self.rng is not None
            if self.rng.random() < self.p.wal_ref_change_probability:
                gen += 1
                self.gens[key] = gen
        return (prepopulated_local_id(series, comp) + gen * GEN_STRIDE) & LOCAL_ID_MASK

    def is_static(self) -> bool:
        """True when every cycle after the first yields the same steps."""
        p, w = self.p, self.w
        periodic = self.t == 0 and (p.collect_every or p.gc_every)
        return not (
            periodic
            or self.churn
            or p.wal_ref_change_probability
            or p.local_ids == "benchmark"
            or w.pacing.think == "exponential"
        )

    def steady(self) -> Iterator[Step]:
        yield from self.cycle(0, fresh=True)
        yield from pacing_step(self.w.pacing, self.rng)
        # Building a Step costs ~1 us of GIL time in the worker; when cycles repeat and the
        # repeated cycles of all threads fit the budget, build one cycle and replay it.
        cycle_len = self.spt * (1 + 3 * len(self.comps)) + self.tracks + 1
        threads = max(self.w.threads.count, self.w.model.goroutines or 0)
        if self.is_static() and cycle_len * threads <= CACHE_BUDGET_STEPS:
            cached = (*self.cycle(1, fresh=False), *pacing_step(self.w.pacing, self.rng))
            while True:
                yield from cached
        cycle = 1
        while True:
            yield from self.cycle(cycle, fresh=False)
            yield from pacing_step(self.w.pacing, self.rng)
            cycle += 1

    def batch(self, cycle: int) -> tuple[list[int], frozenset[int], list[int]]:
        """This cycle's churn: the series replaced (gone), the slots they were in, and the
        batch's series by slot (forgets the WAL ref changes of the series gone)."""
        lo, hi = self.events(cycle - 1), self.events(cycle)
        gone = [self.occupant(k % self.spt, k) for k in range(lo, hi)]
        # An empty set costs 216 bytes in each of thousands of suspended generators.
        churned = frozenset(k % self.spt for k in range(lo, hi)) if hi > lo else _NONE
        for series in gone:
            for comp in self.comps:
                self.gens.pop((series, comp), None)
        return gone, churned, [self.occupant(j, hi) for j in range(self.spt)]

    def cycle(self, cycle: int, *, fresh: bool) -> Iterator[Step]:
        """One batch. ``fresh``: the thread has not seen its series yet (GetOrAdd needed)."""
        p, t = self.p, self.t
        if t == 0:
            if p.collect_every and cycle % p.collect_every == 0:
                yield Step(_OP.COLLECT)
            if p.gc_every and cycle % p.gc_every == 0:
                yield Step(_OP.CHECK_AND_REMOVE_STALE_MARKERS)
        gone, churned, slots = self.batch(cycle)
        for j, s in enumerate(slots):
            if p.relabel or fresh or j in churned:
                yield _Step(_GOA, s)
            for c in self.comps:
                local = self.local_id(s, c, cycle)
                yield _Step(_LOCAL, s, c)
                yield _Step(_ADD, s, c, local, _IF_NO_LOCAL)
                yield _Step(_REPLACE, s, c, local, _IF_CHANGED)
        if self.tracks:
            k = p.stale_per_batch
            stale = (*gone, *slots[:k])
            live = tuple(slots[k:]) if p.track_live else ()
            track = _Step(_TRACK, stale=stale, live=live)
            for _ in range(self.tracks):
                yield track


def prepopulate(store: Any, workload: Workload, series_set: SeriesSet) -> int:
    """Like Alloy's benchmark: a global id for each of the first ``series.prepopulated`` series
    and a link ``series*100 + component`` for every component. Returns how many series.

    A ``directfanout`` store gets, instead, those series' mappings in their Fanouts
    (``fanoutplan.prepopulated_mappings``), each stamped as appended now."""
    if getattr(store, "calls", "labelstore") == "fanout":
        from lsim.workload.fanoutplan import prepopulate_mappings

        return prepopulate_mappings(store, workload, series_set)
    names = workload.components
    for i in range(workload.series.prepopulated):
        gid = store.get_or_add_global_ref_id(series_set.labels(i))
        for c, name in enumerate(names):
            store.add_local_link(name, gid, prepopulated_local_id(i, c))
    return workload.series.prepopulated


def operation_shares(
    workload: Workload, *, sample_threads: int = 256, steps: int = 2_000
) -> dict[str, float]:
    """Estimated share of each Go operation among store calls (see ``shares.py``)."""
    from lsim.workload.shares import estimate_shares

    return estimate_shares(workload, sample_threads=sample_threads, steps=steps)
