"""Plans for ``ops.mix`` workloads, and the pacing step shared with pipelines.

A mix thread draws each operation independently by weight, so over many steps the share of
each operation tracks its weight. Every step is ``Condition.ALWAYS``: one drawn operation is
one store call. Local ids: ``series*1000 + thread`` for Add/GetOrAddLink, and Replace adds
``n*GEN_STRIDE`` for the thread's n-th Replace so each one installs a new WAL ref.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator

from lsim.sync.states import Operation
from lsim.workload.ids import GEN_STRIDE, LOCAL_ID_MASK, seed_for
from lsim.workload.model import MixSpec, PacingSpec, Workload
from lsim.workload.steps import Step, pace, think


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
    ops, weights = zip(*m.operations(), strict=True)
    cum = list(itertools.accumulate(weights))
    total = cum[-1]
    count, n_comp = w.series.count, len(w.components)
    spt = m.series_per_thread
    replaces = 0

    def series() -> int:
        if m.series == "thread":
            return (t * spt + rng.randrange(spt)) % count
        return rng.randrange(count)

    def component() -> int:
        return t % n_comp if m.component == "by_thread" else rng.randrange(n_comp)

    def one() -> Step:
        nonlocal replaces
        op = ops[min(bisect.bisect_right(cum, rng.random() * total), len(ops) - 1)]
        if op is Operation.GET_OR_ADD_GLOBAL_REF_ID:
            return Step(op, series())
        if op is Operation.GET_LOCAL_REF_ID:
            return Step(op, series(), component())
        if op in (Operation.ADD_LOCAL_LINK, Operation.GET_OR_ADD_LINK):
            s = series()
            return Step(op, s, component(), (s * 1000 + t) & LOCAL_ID_MASK)
        if op is Operation.REPLACE_LOCAL_LINK:
            s = series()
            replaces += 1
            return Step(op, s, component(), (s * 1000 + t + replaces * GEN_STRIDE) & LOCAL_ID_MASK)
        if op is Operation.TRACK_STALENESS:
            stale = tuple(series() for _ in range(m.stale_per_call))
            live = tuple(series() for _ in range(m.live_per_call))
            return Step(op, stale=stale, live=live)
        return Step(op)  # CheckAndRemoveStaleMarkers, Collect: no arguments

    batch = w.pacing.batch_size
    if burst:
        for _ in range(batch):
            yield one()
        return
    while True:
        for _ in range(batch):
            yield one()
        yield from pacing_step(w.pacing, rng)
