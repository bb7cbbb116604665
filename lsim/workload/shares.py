"""The share of each Go operation among store calls, derived by walking sample plans.

Conditional steps (Add only when there is no local id, Replace only when the WAL ref
changed) are resolved against a small stand-in for the store's link table: the prepopulated
links (``series*100 + component``) plus every link the walked steps made. The sampled
threads run one after the other, so links made by threads outside the sample are not seen:
a series is taken to be new the first time a sampled thread meets it. Good enough for "what
split does this workload produce" (e.g. the ~50/50 of the reference dump); the engines count
the real calls.
"""

from __future__ import annotations

import itertools
from collections import Counter

from lsim.sync.states import Operation
from lsim.workload.ids import prepopulated_local_id
from lsim.workload.model import Workload
from lsim.workload.plan import thread_steps
from lsim.workload.steps import Condition, Step

_GOLDEN = 0.6180339887498949


class _LinkTable:
    def __init__(self, prepopulated: int) -> None:
        self.prepopulated = prepopulated
        self.links: dict[tuple[int, int], int] = {}

    def get(self, comp: int, series: int) -> int:
        found = self.links.get((comp, series))
        if found is not None:
            return found
        return prepopulated_local_id(series, comp) if series < self.prepopulated else 0

    def set(self, comp: int, series: int, local: int) -> None:
        self.links[(comp, series)] = local


def _calls(step: Step, table: _LinkTable, last_local: int) -> tuple[bool, int]:
    """Whether ``step`` is a store call, and the thread's ``last_local`` after it."""
    op = step.op
    if op is Operation.NONE:
        return False, last_local
    if op is Operation.GET_LOCAL_REF_ID:
        return True, table.get(step.component, step.series)
    if op in (Operation.ADD_LOCAL_LINK, Operation.REPLACE_LOCAL_LINK, Operation.GET_OR_ADD_LINK):
        cond = step.condition
        if cond is Condition.IF_NO_LOCAL and last_local != 0:
            return False, last_local
        if cond is Condition.IF_LOCAL_CHANGED and last_local in (0, step.local_id):
            return False, last_local
        table.set(step.component, step.series, step.local_id)
    return True, last_local


def sample_thread_indices(workload: Workload, sample_threads: int) -> list[int]:
    """Thread 0 (it does the periodic calls) plus a golden-ratio spread of the others.

    Evenly spaced indices share residues (every 312th of 20,000 is a multiple of 10 far too
    often), and plans select by ``t % n``; the golden-ratio sequence has no such period.
    """
    n = workload.threads.count
    k = max(1, min(n, sample_threads))
    if k == n:
        return list(range(n))
    return sorted({int(((i * _GOLDEN) % 1.0) * n) for i in range(k)})


def estimate_shares(
    workload: Workload, *, sample_threads: int = 256, steps: int = 2_000
) -> dict[str, float]:
    """``{go_name: share}`` over the operations that occur, in Operation order; sums to 1.

    Steady mode walks ``steps`` steps of each sampled thread; burst mode walks every
    iteration (iteration by iteration, as the benchmark runs them), ``steps`` per thread and
    iteration at most. Steady plans are walked from their start, so one-off calls of the
    first cycle (GetOrAdd of series first seen without relabel) count too; more steps
    dilute them.
    """
    if sample_threads < 1 or steps < 1:
        raise ValueError("sample_threads and steps must be >= 1")
    table = _LinkTable(workload.series.prepopulated)
    counts: Counter[Operation] = Counter()
    threads = sample_thread_indices(workload, sample_threads)
    if workload.threads.mode == "burst":
        plans = [
            thread_steps(workload, t, iteration=i)
            for i in range(workload.run.iterations)
            for t in threads
        ]
    else:
        plans = [thread_steps(workload, t) for t in threads]
    for plan in plans:
        last_local = 0
        for step in itertools.islice(plan, steps):
            called, last_local = _calls(step, table, last_local)
            if called:
                counts[step.op] += 1
    total = sum(counts.values())
    if not total:
        return {}
    return {op.go_name: counts[op] / total for op in Operation if counts[op]}


def calls_per_batch(workload: Workload, *, sample_threads: int = 64, batches: int = 8) -> float:
    """Mean store calls per batch (a scrape cycle, or a mix batch) of a steady workload.

    Walks ``batches`` batches of each sampled thread, counting calls as ``estimate_shares``
    does (Add/Replace only when they would run) and batches by their pause steps; the first
    batch is skipped, so one-off calls of a thread's first cycle do not count. Pacing turns
    a total rate of calls into a rate of batches per thread with it.
    """
    from dataclasses import replace

    if workload.pacing.think == "none" and not workload.pacing.rate_per_thread:
        # a batch ends at its pause step: give the walk one (the rate does not matter)
        workload = replace(workload, pacing=replace(workload.pacing, rate_per_thread=1.0))
    table = _LinkTable(workload.series.prepopulated)
    calls = done = 0
    for t in sample_thread_indices(workload, sample_threads):
        last_local, batch = 0, 0
        for step in thread_steps(workload, t):
            if step.op is Operation.NONE:
                batch += 1
                if batch > batches:
                    break
                continue
            called, last_local = _calls(step, table, last_local)
            if called and batch >= 1:
                calls += 1
        done += max(0, min(batch, batches + 1) - 1)
    return calls / done if done else 0.0
