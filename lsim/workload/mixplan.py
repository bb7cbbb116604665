"""Plans for ``ops.mix`` workloads, and the pacing step shared with pipelines.

A mix thread draws each operation independently by weight, so over many steps the share of
each operation tracks its weight. Every step is ``Condition.ALWAYS``: one drawn operation is
one store call. Local ids: ``series*1000 + thread`` for Add/GetOrAddLink, and Replace adds
``n*GEN_STRIDE`` for the thread's n-th Replace so each one installs a new WAL ref.

What real callers do, kept by the draws:

* ``draw.new_series`` of the GetOrAddGlobalRefID / GetOrAddLink calls bring a never-seen
  label set: the thread's k-th is series ``count + k*CHURN_STRIDE + thread`` (the churn
  scheme of ``plan.py``; in burst mode k also counts the iterations before), so it is new to
  the store and to every other thread.
* A call that takes a global id (GetLocalRefID, Add/ReplaceLocalLink, TrackStaleness) uses
  one of the last ``FETCHED`` series the thread fetched with a GetOrAdd* call, so it passes
  the id the store returned (never 0 for a series it has not fetched, which ``sharded``
  would route to shard 0). A thread that has fetched nothing yet fetches first: that one
  draw becomes a GetOrAddGlobalRefID of the drawn series.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Iterator
from typing import Final

from lsim.sync.states import Operation
from lsim.workload import ids
from lsim.workload.ids import seed_for
from lsim.workload.model import MixSpec, PacingSpec, Workload
from lsim.workload.steps import Step, pace, think

FETCHED: Final = 64  # series a mix thread remembers having fetched (the ids it can pass on)
# Final names for what each draw reads (mypyc: C statics, where a plain imported name is a
# dict lookup at each use)
CHURN_STRIDE: Final = ids.CHURN_STRIDE
GEN_STRIDE: Final = ids.GEN_STRIDE
LOCAL_ID_MASK: Final = ids.LOCAL_ID_MASK
_Step: Final = Step
_GOA: Final = Operation.GET_OR_ADD_GLOBAL_REF_ID
_LINK: Final = Operation.GET_OR_ADD_LINK
_COLLECT: Final = Operation.COLLECT
_GC: Final = Operation.CHECK_AND_REMOVE_STALE_MARKERS
_LOCAL: Final = Operation.GET_LOCAL_REF_ID
_ADD: Final = Operation.ADD_LOCAL_LINK
_REPLACE: Final = Operation.REPLACE_LOCAL_LINK
_TRACK: Final = Operation.TRACK_STALENESS


def pacing_step(pacing: PacingSpec, rng: random.Random | None) -> Iterator[Step]:
    """The pause after a batch: nothing (closed loop), a think step or a pace step."""
    if pacing.rate_per_thread:
        yield pace(1.0 / pacing.rate_per_thread)
    elif pacing.think == "fixed":
        yield think(pacing.think_s)
    elif pacing.think == "exponential":
        assert rng is not None, "exponential think time needs the thread's rng"
        yield think(rng.expovariate(1.0 / pacing.think_s))


def mix_steps(
    w: Workload,
    m: MixSpec,
    t: int,
    iteration: int,
) -> Iterator[Step]:
    burst = w.threads.mode == "burst"
    # Burst iterations are independent runs of fresh threads: each gets its own stream.
    rng = random.Random(seed_for(w.seed, t, iteration if burst else 0, 2))
    # randrange(n) for an int n >= 1 is exactly _randbelow(n) (the same draws), without
    # randrange's argument checks: ~5% of a model run on a mix workload (issue 15)
    below: Callable[[int], int] = rng._randbelow  # type: ignore[attr-defined]
    draw = rng.random
    ops, weights = zip(*m.operations(), strict=True)
    cum = list(itertools.accumulate(weights))
    total = cum[-1]
    count, n_comp = w.series.count, len(w.components)
    series_by_thread = m.series == "thread"
    own_component = t % n_comp if m.component == "by_thread" else -1
    spt = m.series_per_thread
    replaces = 0
    fetched: list[int] = []
    fresh = m.new_series
    new_k = iteration * w.pacing.batch_size if burst else 0

    def fetch(s: int) -> int:
        if len(fetched) < FETCHED:
            fetched.append(s)
        else:
            fetched[below(FETCHED)] = s
        return s

    def fetching() -> int:
        """The series of a GetOrAdd* call: new with probability ``new_series``."""
        nonlocal new_k
        if fresh and draw() < fresh:
            new_k += 1
            return fetch(count + new_k * CHURN_STRIDE + t)
        return fetch(series())

    def known() -> int:
        return fetched[below(len(fetched))]

    def series() -> int:
        if series_by_thread:
            return (t * spt + below(spt)) % count
        return below(count)

    def component() -> int:
        return own_component if own_component >= 0 else below(n_comp)

    def one() -> Step:
        nonlocal replaces
        op = ops[min(bisect.bisect_right(cum, draw() * total), len(ops) - 1)]
        if op is _GOA:
            return _Step(op, fetching())
        if op is _LINK:
            s = fetching()
            return _Step(op, s, component(), (s * 1000 + t) & LOCAL_ID_MASK)
        if op is _COLLECT or op is _GC:
            return _Step(op)  # no arguments
        if not fetched:  # nothing fetched yet: no id to pass on; fetch one first
            return _Step(_GOA, fetch(series()))
        if op is _LOCAL:
            return _Step(op, known(), component())
        if op is _ADD:
            s = known()
            return _Step(op, s, component(), (s * 1000 + t) & LOCAL_ID_MASK)
        if op is _REPLACE:
            s = known()
            replaces += 1
            return _Step(op, s, component(), (s * 1000 + t + replaces * GEN_STRIDE) & LOCAL_ID_MASK)
        if op is _TRACK:
            stale = tuple(known() for _ in range(m.stale_per_call))
            live = tuple(known() for _ in range(m.live_per_call))
            return _Step(op, stale=stale, live=live)
        return _Step(op)  # CheckAndRemoveStaleMarkers, Collect: no arguments

    batch = w.pacing.batch_size
    if burst:
        for _ in range(batch):
            yield one()
        return
    # a closed loop has no pause: no pacing_step generator per batch (one per store call at
    # the default batch of 1)
    pauses = bool(w.pacing.rate_per_thread) or w.pacing.think != "none"
    while True:
        for _ in range(batch):
            yield one()
        if pauses:
            yield from pacing_step(w.pacing, rng)
