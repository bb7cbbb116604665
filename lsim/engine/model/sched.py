"""Go's scheduler in virtual time (``runtime/proc.go``, Go 1.19): Ps, their run queues, Ms.

What is copied, mechanism by mechanism:

* **Per-P queues.** Each P has a ``runnext`` slot and a local run queue of 256 (``runqput``);
  a goroutine readied by a running goroutine (``ready``: a mutex wake-up, a reader released,
  ``go f()``, the last ``wg.Done``) goes to that P's ``runnext``, kicking the previous one to
  the local tail; a full local queue moves half of itself plus the kicked goroutine to the
  global queue (``runqputslow``).
* **Global queue.** Preempted goroutines go there (``goschedImpl``). ``schedule`` takes one
  from it every 61 schedule ticks (``schedtick % 61``), else ``runnext`` (inheriting the time
  slice), the local queue, then a batch from the global queue (``globrunqget``:
  ``len/GOMAXPROCS + 1``, at most half a local queue).
* **Stealing.** A P with nothing to run steals half of another P's local queue (random
  victim order, ``runqsteal``); then runs another P's fired timers; last, it takes a running
  P's ``runnext``, but only after ``usleep(3)`` (``runqgrab``): on Linux that sleep lasts the
  timer slack and more (``steal_backoff_ns``). While it waits it is a spinning M. It does not
  give up while some running P still has a ``runnext`` (``checkRunqsNoP``).
* **Spinning Ms and wakep.** Readying a goroutine while a P is idle and no M is spinning
  starts one spinning M (``wakep``): the caller pays the futex wake of its thread
  (``futex_ns`` of its own CPU), the woken P starts looking ``wakep_ns`` later. An M that
  stops spinning because it found work wakes the next one (``resetspinning``).
  ``can_spin`` is ``sync_runtime_canSpin``: fewer than 4 rounds, GOMAXPROCS >
  idle Ps + spinning Ms + 1, and this P's ``runnext`` and local queue empty.
* **goyield** (a starvation hand-off, :meth:`Scheduler.handoff`): the waiter goes to
  ``runnext`` and the unlocker to the *local* queue tail, runnable inside Unlock.
* **Timers.** A sleeper's timer lives on the P it slept on; when it fires and a P is idle,
  that P's M (asleep until the timer) runs it at once; otherwise it runs at its P's next
  ``schedule`` (into ``runnext``), or an idle P steals it.
* Switching a P to a goroutine costs ``switch_ns`` (park + schedule + resume), plus, for a
  goroutine whose stack has left the caches (many others ran since it last did), the misses
  of its resume (:mod:`lsim.engine.model.resume`).
* **Preemption** is sysmon's (:mod:`lsim.engine.model.sysmon`): a P whose ``schedtick`` has
  not moved for 10 ms when sysmon looks (every 10 ms once warm) has its goroutine preempted
  at its next work item, into the global queue; a goroutine taken from ``runnext`` does not
  advance the tick (it inherits the slice), so a chain of them is one slice.

Each goroutine's census key (state, operation, lock) lives in ``keys``; every state change
goes through here or through the lock drivers, so a census sample is exact.
"""

from __future__ import annotations

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
from lsim.engine.model.resume import NEVER, WARM, ResumeCosts, resume_ns
from lsim.engine.model.runq import GLOBAL_POLL, LOCAL_RUNQ, RunQueues, SchedStats
from lsim.engine.model.stats import OpStats, bucket_of
from lsim.engine.model.sysmon import Sysmon

__all__ = ["GLOBAL_POLL", "LOCAL_RUNQ", "PWAKE", "RunQueues", "SchedStats", "Scheduler"]

PWAKE = -10  # P i's M wakes (wakep) or ends a steal back-off: event code -10 - i

NextItems = Callable[[Goroutine], "list[Item] | None"]


class Scheduler(RunQueues):
    def __init__(
        self, *, nprocs: int, goroutines: int, nlocks: int, switch_ns: int, wakep_ns: int,
        spin_ns: int, spin_rounds: int, cas_retry_ns: int, next_items: NextItems,
        warmup_ns: int = 0, futex_ns: int = 0, steal_backoff_ns: int = 0, line_ns: int = 0,
        seed: int = 0, resume: ResumeCosts = WARM,
    ) -> None:  # fmt: skip
        super().__init__(nprocs=nprocs, goroutines=goroutines, nlocks=nlocks, seed=seed)
        self.heap: list[tuple[int, int, int]] = []
        self.seq = 0
        self.pev = [0] * nprocs  # seq of each P's one valid wake/back-off event
        self.idle: list[Proc] = self.procs[::-1]
        self.nspinning = 0  # Ps whose M spins (woken by wakep, or backing off to steal)
        self.gs = [Goroutine(i) for i in range(goroutines)]
        self.shard = [-1] * goroutines
        self.switch_ns = switch_ns
        self.wakep_ns = wakep_ns
        self.spin_ns = spin_ns
        self.spin_rounds = spin_rounds if spin_ns > 0 else 0
        self.cas_retry_ns = max(1, cas_retry_ns)
        self.futex_ns = futex_ns
        self.steal_backoff_ns = max(1, steal_backoff_ns)
        self.line_ns = line_ns
        self.resume_on = resume.on
        self.near_ns, self.near_g, self.far_ns, self.far_g = resume
        self.switches = 0  # goroutines started on any P so far (resume distances count them)
        self.sysmon = Sysmon(nprocs, steal_backoff_ns)
        self.sysmon_started = False  # its first round is queued by the first run()
        self.next_items = next_items
        self.warmup_ns = warmup_ns
        self.opstats = OpStats()
        self.live = 0  # burst mode: spawned goroutines not yet finished
        self.waiter: Goroutine | None = None  # burst mode: main, parked in wg.Wait
        self.pace_steps = self.pace_behind = 0
        self.idle_area = 0  # integral of Ps running nothing over time (P utilisation)
        self._idle_t = 0
        # the census: called at each tick, returns the next tick time (or -1 to stop ticking)
        self.on_tick: Callable[[Any], int] | None = None
        self.events = 0
        # scheduling latency in the window: runnable -> running waits, as log buckets
        # (stats.bucket_of), the quantity Go's /sched/latencies:seconds samples
        self.latency: dict[int, int] = {}
        self._runnable_keys = range(RUNNABLE * NOPS * self.nl2, (RUNNABLE + 1) * NOPS * self.nl2)

    # -- events --------------------------------------------------------------------------------
    def at(self, t: int, g: Goroutine) -> None:
        self.seq = s = self.seq + 1
        g.ev = s
        heappush(self.heap, (t, s, g.id))

    def at_code(self, t: int, code: int) -> None:
        self.seq = s = self.seq + 1
        heappush(self.heap, (t, s, code))

    def _p_event(self, p: Proc, t: int) -> None:
        self.seq = s = self.seq + 1
        self.pev[p.idx] = s
        heappush(self.heap, (t, s, PWAKE - p.idx))

    # -- state changes used by the lock drivers ----------------------------------------------
    def park(self, g: Goroutine, state: int, lock_id: int, since: int, cost: int = 0) -> None:
        """``g`` blocks (lock queue, wg.Wait): its P schedules the next goroutine, ``cost``
        later (CPU time ``g`` still spent on its way to ``gopark``)."""
        i = g.id
        self.keys[i] = (state * NOPS + g.op) * self.nl2 + lock_id * 2
        self.since[i] = since
        p = g.p
        assert p is not None
        g.p = None
        self._schedule(p, cost)

    def ready(self, g: Goroutine, p: Proc | None, lock_id: int = 0) -> int:
        """``g`` becomes runnable, readied by the goroutine running on ``p`` (``goready``:
        into ``p.runnext``), or with no P (global queue). Returns the CPU time the caller
        spent waking an M (``wakep``), which the caller must be charged. A goroutine readied
        inside a lock's Lock (``lock_id``) stays there until it runs, as Go's dump shows it."""
        self.set_state(g, RUNNABLE, lock_id)
        if p is not None:
            self._runqput(p, g, True)
        else:
            self.globq.append(g)
        return self._wakep()

    def handoff(self, u: Goroutine, head: Goroutine, lock_id: int, cost: int = 0) -> None:
        """Starvation-mode unlock: ``semrelease(handoff)`` readies ``head`` into ``u``'s
        ``runnext``, then ``goyield`` puts ``u`` at its P's local queue tail, runnable inside
        Unlock, and the P schedules (``head`` first) ``cost`` later (``u``'s CPU time)."""
        p = u.p
        assert p is not None
        self.set_state(head, RUNNABLE, lock_id)
        self._runqput(p, head, True)
        cost += self._wakep()
        u.p = None
        self.set_state(u, RUNNABLE, lock_id, 1)
        self._runqput(p, u, False)
        self._schedule(p, cost)

    def can_spin(self, g: Goroutine) -> bool:
        """``sync_runtime_canSpin(g.spin_iter)``."""
        p = g.p
        return (
            g.spin_iter < self.spin_rounds
            and self.nprocs > len(self.idle) + self.nspinning + 1
            and p is not None
            and p.runnext is None
            and not p.runq
        )

    def runnable_besides(self, p: Proc) -> bool:
        """Something could run on ``p`` instead of its goroutine (preemption is not a no-op)."""
        return bool(p.runnext is not None or p.runq or self.globq or p.timers)

    # -- schedule -------------------------------------------------------------------------------
    def _schedule(self, p: Proc, delay: int = 0, after_backoff: bool = False) -> None:
        """``schedule`` on ``p``, whose M is awake (its goroutine parked, yielded, exited, or
        its M was woken / ended a back-off): run the next goroutine or go idle."""
        g, inherit = self._local(p)
        stole = False
        if g is None and (p.spinning or 2 * self.nspinning < self.nprocs - len(self.idle)):
            found = self._steal(p, after_backoff and p.backoff)
            if isinstance(found, Proc):  # usleep(3), then try the victim's runnext again
                self.sched.backoffs += 1
                if not p.spinning:
                    self._area()
                    p.spinning = True
                    self.nspinning += 1
                p.g = None
                p.backoff = True
                self._p_event(p, self.now + self.steal_backoff_ns)
                return
            g = found
            stole = g is not None
        p.backoff = False
        if g is None:
            p.g = None
            if p.spinning:
                self._area()
                p.spinning = False
                self.nspinning -= 1
            self._idle_push(p)
            return
        if p.spinning:  # resetspinning: found work; maybe wake the next spinning M
            self._area()
            p.spinning = False
            self.nspinning -= 1
            delay += self._wakep()
        elif stole:
            delay += self._wakep()  # it span to steal, then reset spinning
        if not inherit:
            p.schedtick += 1
        self._run_on(p, g, delay)

    def _run_on(self, p: Proc, g: Goroutine, delay: int = 0) -> None:
        p.g = g
        g.preempt = False  # execute: a preemption asked of its last turn is void
        g.p = p
        here = g.lastp is p
        g.lastp = p
        i = g.id
        now = self.now
        if self.keys[i] in self._runnable_keys and now >= self.warmup_ns:
            b = bucket_of(now - self.since[i])
            self.latency[b] = self.latency.get(b, 0) + 1
        self.keys[i] = (RUNNING * NOPS + g.op) * self.nl2
        self.since[i] = now
        k = self.switches = self.switches + 1
        pk = p.switches = p.switches + 1
        if self.resume_on:
            near_d = pk - g.last_run_here if here else NEVER
            extra = resume_ns(near_d, k - g.last_run, self.near_ns, self.near_g, self.far_ns,
                              self.far_g)  # fmt: skip
            g.last_run = k
            g.last_run_here = pk
            if extra:
                self.sched.cold_resumes += 1
                self.sched.resume_ns += extra
                delay += extra
        self.at(now + self.switch_ns + delay, g)

    def _sleep(self, g: Goroutine, until: int) -> None:
        i = g.id
        self.keys[i] = SLEEPING * NOPS * self.nl2  # think time is outside any operation
        self.since[i] = self.now
        p = g.p
        assert p is not None
        g.p = None
        self.at(until, g)
        self._schedule(p)

    def _timer(self, g: Goroutine) -> None:
        """``g``'s sleep timer fired."""
        if self.idle:  # an M sleeps until this timer: it takes an idle P and runs g
            p = self._idle_pop()
            self.set_state(g, RUNNABLE)
            p.schedtick += 1
            self._run_on(p, g)
            return
        p = g.lastp if g.lastp is not None else self.procs[0]
        p.timers.append(g)  # runs at p's next schedule (still asleep until then)

    def _preempt(self, g: Goroutine) -> None:
        p = g.p
        assert p is not None
        g.p = None
        self.globq.append(g)
        self.set_state(g, RUNNABLE)
        self._schedule(p)

    def _finish(self, g: Goroutine) -> None:
        p = g.p
        assert p is not None
        g.p = None
        g.ctx = None
        self.set_state(g, IDLE)
        self.live -= 1
        cost = 0
        if self.live == 0 and self.waiter is not None:
            waiter, self.waiter = self.waiter, None
            cost = self.ready(waiter, p)
        self._schedule(p, cost)

    def _wakep(self) -> int:
        """Go's ``wakep``: an idle P and no spinning M -> start one spinning M on it."""
        if not self.idle or self.nspinning:
            return 0
        p = self._idle_pop()
        self._area()
        p.spinning = True
        self.nspinning += 1
        self.sched.wakeps += 1
        self._p_event(p, self.now + self.wakep_ns)
        return self.futex_ns

    def _pwake(self, p: Proc, seq: int) -> None:
        """P ``p``'s M woke up (after ``wakep``) or ended a steal back-off."""
        if self.pev[p.idx] != seq or not p.spinning or p.g is not None:
            return
        self._schedule(p, after_backoff=True)

    def _area(self) -> None:
        """Account idle (and spinning) P time up to now, before their number changes."""
        self.idle_area += (len(self.idle) + self.nspinning) * (self.now - self._idle_t)
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
