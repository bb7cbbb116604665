"""The census in virtual time: exact counts of goroutine states at a fixed sample rate.

Every goroutine's ``(state, operation, lock, in-Unlock)`` lives in one int of ``Sim.keys``,
so a sample is ``Counter(keys)`` (C speed, ~2 ms for 54,000 goroutines). A few full samples
(keys, wait starts, shards) are kept as snapshots, thinned as the run goes on so at most
``MAX_SNAPSHOTS`` remain evenly spread; the goroutine dump is drawn from the snapshot whose
blocked count is closest to the median over all samples: a dump that could really happen,
not an average of dumps.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lsim.engine.model.core import IDLE, MUTEX_LOCK, NOPS, RWMUTEX_LOCK, decode_key
from lsim.engine.model.sched import Scheduler
from lsim.sync.rules import MutexRules

MAX_SNAPSHOTS = 16


@dataclass
class Snapshot:
    index: int
    now: int
    keys: list[int]
    since: list[int]
    shard: list[int]
    blocked: int


class Census:
    def __init__(self, sim: Scheduler, workers: int, nlocks: int, interval_ns: int,
                 mutexes: Sequence[tuple[str, MutexRules[Any]]] = ()) -> None:  # fmt: skip
        self.sim = sim
        # each lock's (writer) mutex: the samples that find it in starvation mode, as the go
        # engine's lock-word reads count them
        self.mutexes = list(mutexes)
        self.starving = [0] * len(self.mutexes)
        self.workers = workers  # goroutines beyond this index (burst main) are not counted
        self.nlocks = nlocks
        self.interval_ns = max(1, interval_ns)
        self.totals: Counter[int] = Counter()
        self.blocked: list[int] = []
        self.runnable: list[int] = []
        self.snapshots: list[Snapshot] = []
        self._stride = 1
        nl2 = nlocks * 2
        # keys of blocked states form one contiguous range (states 3..5)
        self._blocked_lo = MUTEX_LOCK * NOPS * nl2
        self._blocked_hi = (RWMUTEX_LOCK + 1) * NOPS * nl2
        self._runnable_lo = 2 * NOPS * nl2
        self._idle_hi = (IDLE + 1) * NOPS * nl2

    @property
    def samples(self) -> int:
        return len(self.blocked)

    def sample(self) -> None:
        keys = self.sim.keys
        if len(keys) > self.workers:
            keys = keys[: self.workers]
        counts = Counter(keys)
        self.totals.update(counts)
        lo, hi, rlo = self._blocked_lo, self._blocked_hi, self._runnable_lo
        blocked = runnable = 0
        for key, n in counts.items():
            if lo <= key < hi:
                blocked += n
            elif rlo <= key < lo:
                runnable += n
        for i, (_, rules) in enumerate(self.mutexes):
            if rules.starving:
                self.starving[i] += 1
        index = len(self.blocked)
        self.blocked.append(blocked)
        self.runnable.append(runnable)
        if index % self._stride == 0:
            sim = self.sim
            self.snapshots.append(Snapshot(index, sim.now, list(keys),
                                           sim.since[: self.workers], sim.shard[: self.workers],
                                           blocked))  # fmt: skip
            if len(self.snapshots) > MAX_SNAPSHOTS:
                self._stride *= 2
                self.snapshots = [s for s in self.snapshots if s.index % self._stride == 0]

    def starving_shares(self) -> dict[str, float]:
        """Per lock, the share of samples that found its (writer) mutex starving."""
        n = self.samples
        if not n:
            return {}
        return {name: k / n for (name, _), k in zip(self.mutexes, self.starving, strict=True)}

    def cells(self) -> list[tuple[int, int, int, int]]:
        """``(state, op, lock_id, thread_samples)`` summed over samples; idle excluded and
        in-Unlock folded into its state (the census table has no such column)."""
        merged: Counter[tuple[int, int, int]] = Counter()
        for key, n in self.totals.items():
            if key < self._idle_hi:
                continue
            state, op, lid, _ = decode_key(key, self.nlocks)
            merged[(state, op, lid)] += n
        return [(s, o, lk, n) for (s, o, lk), n in sorted(merged.items())]

    def representative(self) -> Snapshot | None:
        if not self.snapshots:
            return None
        median = statistics.median(self.blocked)
        return min(self.snapshots, key=lambda s: (abs(s.blocked - median), s.index))
