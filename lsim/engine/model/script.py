"""Building the item list of one store call: outside work, lock, critical section, unlock.

:class:`Costs` turns a workload's ``model.costs`` into integer nanoseconds. :class:`Script`
appends items; an RWMutex's write side expands into the inner mutex plus the writer's
announcement, exactly as Go's ``RWMutex.Lock`` is ``w.Lock()`` then waiting for readers.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from lsim.engine.model.core import (
    ANNOUNCE,
    ATOMIC,
    CPU,
    LOCK,
    READ,
    UNLOCK,
    WRITE,
    AtomicWord,
    Item,
)
from lsim.engine.model.golock import SimMutex
from lsim.engine.model.gorwmutex import SimRWMutex
from lsim.engine.model.resume import ResumeCosts
from lsim.workload.costs import COST_DEFAULTS

Lock = SimMutex | SimRWMutex


@dataclass(frozen=True)
class Costs:
    hash: int
    hit: int
    insert: int
    new_series: int
    lock: int
    switch: int
    cas_retry: int
    atomic: int
    wal: int
    parse: int
    call: int
    spin: int
    wakep: int
    spawn: int
    exit: int
    futex: int
    steal_backoff: int
    line: int
    miss: int  # a map access whose bucket is not in cache, beyond ``hit`` (far.py)
    cached: int  # map entries the caches hold (far.py)
    resume: ResumeCosts  # resuming a goroutine whose stack left the caches (resume.py)
    burst_goroutine: int  # a burst goroutine's own start-up beyond spawn, calls and exit
    exponential: bool

    @classmethod
    def from_mapping(cls, costs: Mapping[str, float]) -> Costs:
        c = {**COST_DEFAULTS, **costs}

        def ns(name: str) -> int:
            return max(0, round(c[name]))

        return cls(
            hash=ns("hash_ns"), hit=ns("map_hit_ns"), insert=ns("map_insert_ns"),
            new_series=ns("new_series_ns"),
            lock=ns("lock_uncontended_ns"), switch=ns("park_unpark_ns"),
            cas_retry=ns("cas_retry_ns"), atomic=ns("atomic_ns"), wal=ns("wal_append_ns"),
            parse=ns("scrape_parse_ns"), call=ns("call_ns"), spin=ns("spin_ns"),
            wakep=ns("wakep_ns"),
            spawn=ns("spawn_ns"), exit=ns("exit_ns"), futex=ns("futex_wake_ns"),
            steal_backoff=ns("steal_backoff_ns"), line=ns("line_transfer_ns"),
            miss=ns("map_miss_ns"), cached=max(0, round(c["map_cached_entries"])),
            resume=ResumeCosts(ns("resume_near_ns"), ns("resume_near_goroutines"),
                               ns("resume_far_ns"), ns("resume_far_goroutines")),
            burst_goroutine=ns("burst_goroutine_ns"),
            exponential=c["exponential_service"] >= 0.5,
        )  # fmt: skip


class Script:
    """Items of one call. With ``rng``, every CPU segment is drawn from Exp(its mean)."""

    __slots__ = ("items", "rng")

    def __init__(self, rng: random.Random | None = None) -> None:
        self.items: list[Item] = []
        self.rng = rng

    def cpu(self, ns: int) -> None:
        if ns <= 0:
            return
        if self.rng is not None:
            ns = max(1, round(self.rng.expovariate(1.0 / ns)))
        items = self.items
        if items and items[-1][0] == CPU:  # one segment, one event
            items[-1] = (CPU, items[-1][1] + ns, 0)
        else:
            items.append((CPU, ns, 0))

    def lock(self, lk: Lock, mode: int = WRITE) -> None:
        if isinstance(lk, SimRWMutex):
            if mode == READ:
                self.items.append((LOCK, lk, READ))
            else:
                self.items.append((LOCK, lk.w, WRITE))
                self.items.append((LOCK, lk, ANNOUNCE))
        else:
            self.items.append((LOCK, lk, WRITE))

    def unlock(self, lk: Lock, mode: int = WRITE, writes: int = 0) -> None:
        """``writes``: cache lines of protected data the critical section wrote (a map
        header per map it inserted into or deleted from); the next owner on another P
        fetches them. Carried in the UNLOCK item as ``mode | writes << 2``."""
        arg = WRITE | writes << 2
        if isinstance(lk, SimRWMutex):
            if mode == READ:
                self.items.append((UNLOCK, lk, READ))
            else:
                self.items.append((UNLOCK, lk, arg))
                self.items.append((UNLOCK, lk.w, WRITE))
        else:
            self.items.append((UNLOCK, lk, arg))

    def section(self, lk: Lock, mode: int, ns: int, writes: int = 0) -> None:
        """Lock, work ``ns`` while holding it (writing ``writes`` maps), unlock."""
        self.lock(lk, mode)
        self.cpu(ns)
        self.unlock(lk, mode, writes)

    def atomic(self, word: AtomicWord, ns: int) -> None:
        self.items.append((ATOMIC, word, max(1, ns)))
