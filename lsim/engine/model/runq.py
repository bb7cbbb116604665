"""The scheduler's state and Go's run queues (``runtime/proc.go``, Go 1.19): per-P
``runnext`` and local queue, the global queue, stealing — the mechanisms listed in
:mod:`lsim.engine.model.sched`'s docstring under "Per-P queues", "Global queue" and
"Stealing". :class:`~lsim.engine.model.sched.Scheduler` adds the events, ``schedule`` and
the goroutine state changes on top.
"""

from __future__ import annotations

import random
from collections import deque
from operator import attrgetter

from lsim.engine.model.core import NOPS, RUNNABLE, Goroutine, Proc

LOCAL_RUNQ = 256  # len(p.runq)
GLOBAL_POLL = 61  # schedule takes from the global queue every 61 ticks

_RUNQ, _TIMERS, _RUNNEXT = attrgetter("runq"), attrgetter("timers"), attrgetter("runnext")


class SchedStats:
    """Counters for the tests and the report."""

    __slots__ = ("wakeps", "steals", "runnext_steals", "backoffs", "global_polls", "overflows",
                 "cold_resumes", "resume_ns")  # fmt: skip

    def __init__(self) -> None:
        self.wakeps = self.steals = self.runnext_steals = 0
        self.backoffs = self.global_polls = self.overflows = 0
        self.cold_resumes = 0  # switches to a goroutine whose stack had left the caches
        self.resume_ns = 0  # what those resumes cost beyond switch_ns


class RunQueues:
    """Per-goroutine census keys, the Ps' queues and the global queue."""

    def __init__(self, *, nprocs: int, goroutines: int, nlocks: int, seed: int) -> None:
        self.now = 0
        self.nprocs = nprocs
        self.procs = [Proc(i) for i in range(nprocs)]
        self._procs2 = self.procs * 2  # any rotation of the Ps is one slice of this
        self.globq: deque[Goroutine] = deque()
        self.keys = [0] * goroutines  # census key per goroutine (0 = idle)
        self.since = [0] * goroutines  # when it entered that state (or began waiting)
        self.nl2 = nlocks * 2
        self.rng = random.Random(seed)
        self.sched = SchedStats()

    def set_state(self, g: Goroutine, state: int, lock_id: int = 0, in_unlock: int = 0) -> None:
        i = g.id
        self.keys[i] = (state * NOPS + g.op) * self.nl2 + lock_id * 2 + in_unlock
        self.since[i] = self.now

    # -- run queues -----------------------------------------------------------------------------
    def _runqput(self, p: Proc, g: Goroutine, next_: bool) -> None:
        if next_:
            old = p.runnext
            p.runnext = g
            if old is None:
                return
            g = old
        q = p.runq
        if len(q) < LOCAL_RUNQ:
            q.append(g)
            return
        self.sched.overflows += 1  # runqputslow: half the local queue and g go global
        globq = self.globq
        for _ in range(len(q) // 2):
            globq.append(q.popleft())
        globq.append(g)

    def _globrunqget(self, p: Proc) -> Goroutine:
        globq = self.globq
        n = min(len(globq), len(globq) // self.nprocs + 1, LOCAL_RUNQ // 2)
        g = globq.popleft()
        for _ in range(n - 1):
            self._runqput(p, globq.popleft(), False)
        return g

    def _run_timers(self, p: Proc) -> None:
        """``checkTimers``: sleepers whose timer fired go to ``p.runnext`` in firing order."""
        timers = p.timers
        if timers:
            p.timers = []
            for g in timers:
                self.set_state(g, RUNNABLE)
                self._runqput(p, g, True)

    def _local(self, p: Proc) -> tuple[Goroutine | None, bool]:
        """``findRunnable`` up to stealing: (goroutine, inherits the time slice)."""
        self._run_timers(p)
        if p.schedtick % GLOBAL_POLL == 0 and self.globq:
            self.sched.global_polls += 1
            return self.globq.popleft(), False
        g = p.runnext
        if g is not None:
            p.runnext = None
            return g, True
        if p.runq:
            return p.runq.popleft(), False
        if self.globq:
            return self._globrunqget(p), False
        return None, False

    def _steal(self, p: Proc, runnext_now: bool) -> Goroutine | None | Proc:
        """``stealWork``: half of a victim's local queue, else its fired timers, else a
        running victim's ``runnext``. Returns the goroutine to run, or the victim whose
        ``runnext`` is worth a back-off (``runnext_now`` False), or None."""
        n = self.nprocs
        if n == 1:
            return None
        start = self.rng.randrange(n)
        procs = self.procs
        order = self._procs2[start : start + n]  # the victims from a random start, in turn
        # Each pass first asks, at C speed, whether any P has what it looks for: at 64 Ps
        # most searches find nothing. ``p`` has none of it (``_local`` just emptied it).
        if any(map(_RUNQ, procs)):
            for v in order:
                q = v.runq
                if v is not p and q:
                    take = len(q) - len(q) // 2
                    batch = [q.popleft() for _ in range(take)]
                    g = batch.pop()
                    p.runq.extend(batch)
                    self.sched.steals += 1
                    return g
        if any(map(_TIMERS, procs)):
            for v in order:
                if v is not p and v.timers:
                    self._run_timers_on(v, p)
                    found, _ = self._local(p)
                    if found is not None:
                        return found
        wait: Proc | None = None
        if any(map(_RUNNEXT, procs)):
            for v in order:
                if v is not p and v.runnext is not None:
                    if v.g is None or runnext_now:  # a P that is not running: no back-off
                        g = v.runnext
                        v.runnext = None
                        self.sched.runnext_steals += 1
                        return g
                    wait = wait or v
        return wait

    def _run_timers_on(self, victim: Proc, p: Proc) -> None:
        timers, victim.timers = victim.timers, []
        for g in timers:
            self.set_state(g, RUNNABLE)
            self._runqput(p, g, True)
