"""Go's scheduler in virtual time: P processors, a run queue, ``runnext``, idle Ps.

Scheduler model (Go's ``runtime/proc.go``, simplified where it does not change who waits):

* P processors. A goroutine made runnable by a running goroutine goes to that P's
  ``runnext`` slot (kicking the previous one to the run queue), as ``ready()`` and
  ``newproc`` do; one that wakes from a timer, is preempted or yields goes to the run queue.
* ONE global FIFO run queue stands in for Go's per-P local queues plus the global queue
  (work stealing keeps them balanced; what it changes is which P, not how long).
* Idle Ps: making a goroutine runnable while a P is idle wakes one P (``wakep``: at most one
  is waking at a time) which, after ``wakep_ns``, takes the run queue head or steals the
  waker's ``runnext``; a P that finds work wakes the next. A timer wake-up goes straight to
  an idle P (its M sleeps until that timer).
* Switching a P to a goroutine costs ``switch_ns`` (park + schedule + resume).
* Preemption (in :mod:`lsim.engine.model.sim`): a goroutine that has run ``SLICE_NS`` (10 ms,
  Go's ``forcePreemptNS``) while others wait is preempted at its next work item. A goroutine
  taken from ``runnext`` inherits the time slice, as in Go.

Each goroutine's census key (state, operation, lock) lives in ``keys``; every state change
goes through here or through the lock drivers, so a census sample is exact.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from heapq import heappush
from typing import Any

from lsim.engine.model.core import (
    IDLE,
    NOPS,
    RUNNABLE,
    RUNNING,
    SLEEPING,
    Goroutine,
    Item,
    Proc,
)
from lsim.engine.model.stats import OpStats

PWAKE = -10  # P i wakes: event code -10 - i

NextItems = Callable[[Goroutine], "list[Item] | None"]


class Scheduler:
    def __init__(
        self, *, nprocs: int, goroutines: int, nlocks: int, switch_ns: int, wakep_ns: int,
        spin_ns: int, spin_rounds: int, cas_retry_ns: int, next_items: NextItems,
        warmup_ns: int = 0,
    ) -> None:  # fmt: skip
        self.now = 0
        self.heap: list[tuple[int, int, int]] = []
        self.seq = 0
        self.nprocs = nprocs
        self.procs = [Proc(i) for i in range(nprocs)]
        self.idle: list[Proc] = self.procs[::-1]
        self.nwaking = 0
        self.runq: deque[Goroutine] = deque()
        self.gs = [Goroutine(i) for i in range(goroutines)]
        self.keys = [0] * goroutines  # census key per goroutine (0 = idle)
        self.since = [0] * goroutines  # when it entered that state (or began waiting)
        self.shard = [-1] * goroutines
        self.nl2 = nlocks * 2
        self.switch_ns = switch_ns
        self.wakep_ns = wakep_ns
        self.spin_total = spin_ns * spin_rounds
        self.cas_retry_ns = max(1, cas_retry_ns)
        self.next_items = next_items
        self.warmup_ns = warmup_ns
        self.opstats = OpStats()
        self.live = 0  # burst mode: spawned goroutines not yet finished
        self.waiter: Goroutine | None = None  # burst mode: main, parked in wg.Wait
        self.pace_steps = self.pace_behind = 0
        self.idle_area = 0  # integral of idle Ps over time (P utilisation)
        self._idle_t = 0
        # the census: called at each tick, returns the next tick time (or -1 to stop ticking)
        self.on_tick: Callable[[Any], int] | None = None
        self.events = 0

    # -- events --------------------------------------------------------------------------------
    def at(self, t: int, g: Goroutine) -> None:
        self.seq = s = self.seq + 1
        g.ev = s
        heappush(self.heap, (t, s, g.id))

    def at_code(self, t: int, code: int) -> None:
        self.seq = s = self.seq + 1
        heappush(self.heap, (t, s, code))

    # -- state changes used by the lock drivers ----------------------------------------------
    def set_state(self, g: Goroutine, state: int, lock_id: int = 0, in_unlock: int = 0) -> None:
        i = g.id
        self.keys[i] = (state * NOPS + g.op) * self.nl2 + lock_id * 2 + in_unlock
        self.since[i] = self.now

    def park(self, g: Goroutine, state: int, lock_id: int, since: int) -> None:
        """``g`` blocks (lock queue, wg.Wait): its P picks the next goroutine."""
        i = g.id
        self.keys[i] = (state * NOPS + g.op) * self.nl2 + lock_id * 2
        self.since[i] = since
        p = g.p
        g.p = None
        self._dispatch(p)  # type: ignore[arg-type]

    def ready(self, g: Goroutine, p: Proc | None) -> None:
        """``g`` becomes runnable, readied by the goroutine running on ``p`` (or a timer)."""
        self.set_state(g, RUNNABLE)
        if p is not None:
            old = p.runnext
            if old is not None:
                self.runq.append(old)
            p.runnext = g
        else:
            self.runq.append(g)
        if self.idle and not self.nwaking:
            self._wakep(p)

    def handoff(self, u: Goroutine, head: Goroutine, lock_id: int) -> None:
        """Starvation-mode unlock: ``head`` runs next on ``u``'s P and ``u`` yields
        (``goyield``), so it sits runnable inside Unlock."""
        p = u.p
        assert p is not None
        old = p.runnext
        if old is not None:
            self.runq.append(old)
        p.runnext = head
        self.set_state(head, RUNNABLE)
        u.p = None
        self.runq.append(u)
        self.set_state(u, RUNNABLE, lock_id, 1)
        self._dispatch(p)
        if self.idle and not self.nwaking:
            self._wakep(p)

    def can_spin(self, g: Goroutine) -> bool:
        """Go's ``sync_runtime_canSpin``: another P is running and our queue is empty."""
        return (
            self.spin_total > 0
            and self.nprocs > len(self.idle) + self.nwaking + 1
            and not self.runq
            and g.p is not None
            and g.p.runnext is None
        )

    # -- scheduler internals ------------------------------------------------------------------
    def _dispatch(self, p: Proc) -> None:
        g = p.runnext
        if g is not None:
            p.runnext = None  # inherits the time slice
        elif self.runq:
            g = self.runq.popleft()
            p.slice_t0 = self.now
        else:
            p.g = None
            self._idle_push(p)
            return
        self._run_on(p, g)

    def _run_on(self, p: Proc, g: Goroutine) -> None:
        p.g = g
        g.p = p
        i = g.id
        self.keys[i] = (RUNNING * NOPS + g.op) * self.nl2
        self.since[i] = self.now
        self.at(self.now + self.switch_ns, g)

    def _sleep(self, g: Goroutine, until: int) -> None:
        i = g.id
        self.keys[i] = SLEEPING * NOPS * self.nl2  # think time is outside any operation
        self.since[i] = self.now
        p = g.p
        g.p = None
        self.at(until, g)
        self._dispatch(p)  # type: ignore[arg-type]

    def _timer(self, g: Goroutine) -> None:
        if self.idle:
            p = self._idle_pop()
            p.slice_t0 = self.now
            self._run_on(p, g)
        else:
            self.set_state(g, RUNNABLE)
            self.runq.append(g)

    def _preempt(self, g: Goroutine) -> None:
        p = g.p
        assert p is not None
        g.p = None
        self.runq.append(g)
        self.set_state(g, RUNNABLE)
        p.slice_t0 = self.now
        self._dispatch(p)

    def _finish(self, g: Goroutine) -> None:
        p = g.p
        assert p is not None
        g.p = None
        g.ctx = None
        self.set_state(g, IDLE)
        self.live -= 1
        if self.live == 0 and self.waiter is not None:
            waiter, self.waiter = self.waiter, None
            self.ready(waiter, p)
        self._dispatch(p)

    def _wakep(self, source: Proc | None) -> None:
        p = self._idle_pop()
        p.steal_from = source
        self.nwaking += 1
        self.at_code(self.now + self.wakep_ns, PWAKE - p.idx)

    def _pwake(self, p: Proc) -> None:
        self._area()
        self.nwaking -= 1
        g = None
        if self.runq:
            g = self.runq.popleft()
        else:
            src = p.steal_from
            if src is not None and src.runnext is not None and src.g is not None:
                g, src.runnext = src.runnext, None
        if g is None:
            self._idle_push(p)
            return
        p.slice_t0 = self.now
        self._run_on(p, g)
        if self.runq and self.idle and not self.nwaking:
            self._wakep(None)

    def _area(self) -> None:
        """Account idle (and waking) P time up to now, before their number changes."""
        self.idle_area += (len(self.idle) + self.nwaking) * (self.now - self._idle_t)
        self._idle_t = self.now

    def _idle_push(self, p: Proc) -> None:
        self._area()
        self.idle.append(p)

    def _idle_pop(self) -> Proc:
        self._area()
        return self.idle.pop()

    def busy_fraction(self, t0: int, idle_area_t0: int) -> float:
        """Mean share of Ps running something between ``t0`` and now."""
        self._area()
        span = (self.now - t0) * self.nprocs
        return 1.0 - (self.idle_area - idle_area_t0) / span if span > 0 else 0.0
