"""The event loop and Go's scheduler, in virtual nanoseconds.

Scheduler model (Go's ``runtime/proc.go``, simplified where it does not change who waits):

* P processors. A goroutine made runnable by a running goroutine goes to that P's
  ``runnext`` slot (kicking the previous one to the run queue), as ``ready()`` and
  ``newproc`` do; one wakes from a timer or is preempted or yields goes to the run queue.
* ONE global FIFO run queue stands in for Go's per-P local queues plus the global queue
  (work stealing keeps them balanced; what it changes is which P, not how long).
* Idle Ps: making a goroutine runnable while a P is idle wakes one P (``wakep``: at most one
  is waking at a time) which, after ``wakep_ns``, takes the run queue head or steals the
  waker's ``runnext``; a P that finds work wakes the next. A timer wake-up goes straight to
  an idle P (its M sleeps until that timer).
* Switching a P to a goroutine costs ``switch_ns`` (park + schedule + resume).
* Preemption: a goroutine that has run ``SLICE_NS`` (10 ms, Go's ``forcePreemptNS``) and has
  others waiting is preempted at its next work item to the run queue. A goroutine taken
  from ``runnext`` inherits the time slice, as in Go.

Events are ``(time, seq, code)`` tuples in a heap; ``code >= 0`` is a goroutine (its only
valid event is the one whose ``seq`` it remembers), negative codes are the census tick, the
stop event and P wake-ups. When a goroutine's next moment is earlier than every pending
event nothing can interleave, so it continues inline without touching the heap.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from heapq import heappop, heappush

from lsim.engine.model.core import (
    ATOMIC, CPU, END, IDLE, LOCK, NOPS, OP, PACE, RUNNABLE, RUNNING, SLEEP, SLEEPING, SPAWN,
    UNLOCK, WAIT, EXIT, AtomicWord, Goroutine, Item, Proc,
)  # fmt: skip
from lsim.engine.model.stats import OpStats, bucket_of

SLICE_NS = 10_000_000  # Go's forcePreemptNS
STOP, TICK = -1, -2
_PWAKE = -10  # P i wakes: code -10 - i

_EXIT: list[Item] = [(EXIT, 0, 0)]  # the plan is done: the goroutine exits

NextItems = Callable[[Goroutine], "list[Item] | None"]


class Sim:
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
        self.on_tick: Callable[[Sim], int] | None = None  # returns the next tick time or -1
        self.events = 0

    # -- events --------------------------------------------------------------------------------
    def at(self, t: int, g: Goroutine) -> None:
        self.seq = s = self.seq + 1
        g.ev = s
        heappush(self.heap, (t, s, g.id))

    def at_code(self, t: int, code: int) -> None:
        self.seq = s = self.seq + 1
        heappush(self.heap, (t, s, code))

    def run(self, stop_ns: int) -> None:
        """Process events until ``stop_ns`` (or until something calls :meth:`stop`)."""
        self.at_code(stop_ns, STOP)
        heap, gs, pop = self.heap, self.gs, heappop
        n = 0
        while True:
            t, seq, code = pop(heap)
            if code >= 0:
                g = gs[code]
                if g.ev != seq:
                    continue
                n += 1
                self.now = t
                if g.p is None:
                    self._timer(g)
                else:
                    self._step(g)
            elif code == STOP:
                self.now = t
                break
            elif code == TICK:
                self.now = t
                nxt = self.on_tick(self) if self.on_tick is not None else -1
                if nxt >= 0:
                    self.at_code(nxt, TICK)
            else:
                n += 1
                self.now = t
                self._pwake(self.procs[_PWAKE - code])
        self.events += n
        self.heap = [e for e in heap if e[2] != STOP]  # a later run() continues cleanly
        self.heap.sort()

    def stop(self) -> None:
        self.at_code(self.now, STOP)

    # -- a goroutine on its P -------------------------------------------------------------------
    def _step(self, g: Goroutine) -> None:
        # The hot loop: attributes are hoisted into locals and the heap push is inlined.
        r = g.resume
        if r:
            g.resume = 0
            if not g.wlock.resume(self, g, r):
                return
        items, pc = g.items, g.pc
        heap = self.heap
        while True:
            if pc >= len(items):
                nxt = self.next_items(g)
                g.items = items = nxt if nxt is not None else _EXIT
                pc = 0
            kind, a, b = items[pc]
            pc += 1
            if kind == CPU or kind == ATOMIC:
                now = self.now
                p = g.p
                if now - p.slice_t0 >= SLICE_NS and (self.runq or p.runnext):  # type: ignore[union-attr]
                    g.pc = pc - 1
                    self._preempt(g)
                    return
                t = now + a if kind == CPU else self._atomic(a, b)
                if pc == len(items):
                    # Outside work ends this call: fold the next call's leading outside work
                    # into the same event (nothing observable happens in between).
                    nxt = self.next_items(g)
                    if nxt is None:
                        nxt = _EXIT
                    g.items = items = nxt
                    pc = 0
                    if nxt[0][0] == CPU:
                        t += nxt[0][1]
                        pc = 1
                if heap[0][0] > t:  # nothing can happen before t: carry on inline
                    self.now = t
                    continue
                g.pc = pc
                self.seq = seq = self.seq + 1
                g.ev = seq
                heappush(heap, (t, seq, g.id))
                return
            if kind == LOCK:
                g.pc = pc
                if not a.lock(self, g, b):
                    return
            elif kind == UNLOCK:
                g.pc = pc
                if a.unlock(self, g, b):
                    return
            elif kind == OP:
                g.op = a
                g.op_t0 = self.now
                self.shard[g.id] = b
                self.keys[g.id] = (RUNNING * NOPS + a) * self.nl2
            elif kind == END:
                op = g.op
                if g.op_t0 >= self.warmup_ns:
                    ns = self.now - g.op_t0
                    st = self.opstats
                    st.count[op] += 1
                    bucket = ns if ns < 32 else bucket_of(ns)
                    hist = st.hist[op]
                    hist[bucket] = hist.get(bucket, 0) + 1
                    if ns > st.max_ns[op]:
                        st.max_ns[op] = ns
                    g.ops += 1
                g.op = 0
                self.shard[g.id] = -1
                self.keys[g.id] = RUNNING * NOPS * self.nl2
            elif kind == SLEEP:
                g.pc = pc
                self._sleep(g, self.now + a)
                return
            elif kind == PACE:
                g.pace_n += 1
                deadline = g.t0 + g.pace_n * a
                late = deadline <= self.now
                if self.now >= self.warmup_ns:
                    self.pace_steps += 1
                    self.pace_behind += late
                if not late:
                    g.pc = pc
                    self._sleep(g, deadline)
                    return
            elif kind == SPAWN:
                self.live += 1
                self.ready(a, g.p)
            elif kind == WAIT:
                if self.live:
                    g.pc = pc
                    self.waiter = g
                    self.park(g, IDLE, 0, self.now)
                    return
            elif kind == EXIT:
                self._finish(g)
                return

    def _atomic(self, word: AtomicWord, cost: int) -> int:
        now = self.now
        word.ops += 1
        if word.free_at > now:  # the line is elsewhere: failed CAS rounds until it is ours
            rounds = -(-(word.free_at - now) // self.cas_retry_ns)
            word.stalled_ns += rounds * self.cas_retry_ns
            now += rounds * self.cas_retry_ns
        word.free_at = now + cost
        return now + cost

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
        self.at_code(self.now + self.wakep_ns, _PWAKE - p.idx)

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
