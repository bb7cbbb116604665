"""The event loop: goroutines executing their work items in virtual nanoseconds.

Events are ``(time, seq, code)`` tuples in a heap; ``code >= 0`` is a goroutine (its only
valid event is the one whose ``seq`` it remembers), negative codes are the census tick, the
stop event, sysmon's rounds and P wake-ups. When a goroutine's next moment is earlier than
every pending event nothing can interleave, so it continues inline without touching the
heap; outside work that ends one call and starts the next is one event.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Final

from lsim.engine.model import core, sched
from lsim.engine.model.core import AtomicWord, Goroutine, Item
from lsim.engine.model.sched import Scheduler
from lsim.engine.model.stats import bucket_of

# Every name the loop reads at each step is a Final: compiled by mypyc, a Final is a C
# static (a literal one a constant), where a plain imported name is a dict lookup at each
# use (issue 15: ~10% of the compiled loop).
CPU: Final = core.CPU
LOCK: Final = core.LOCK
UNLOCK: Final = core.UNLOCK
OP: Final = core.OP
END: Final = core.END
SLEEP: Final = core.SLEEP
PACE: Final = core.PACE
ATOMIC: Final = core.ATOMIC
SPAWN: Final = core.SPAWN
WAIT: Final = core.WAIT
EXIT: Final = core.EXIT
IDLE: Final = core.IDLE
RUNNING: Final = core.RUNNING
NOPS: Final = core.NOPS
PWAKE: Final = sched.PWAKE
_heappop: Final = heappop
_heappush: Final = heappush

STOP: Final = -1
TICK: Final = -2
SYSMON: Final = -3

_EXIT: Final[list[Item]] = [(EXIT, 0, 0)]  # the plan is done: the goroutine exits


class Sim(Scheduler):
    # what a goroutine runs when its plan is done (burst mode: wg.Done and the exit path)
    exit_items: list[Item] = _EXIT
    # what a goroutine that ``go`` just started runs before its plan (burst mode: its own
    # start-up, ``burst_goroutine_ns``); empty: nothing
    start_items: list[Item] = []

    def run(self, stop_ns: int) -> None:
        """Process events until ``stop_ns`` (or until something calls :meth:`stop`)."""
        self.at_code(stop_ns, STOP)
        if not self.sysmon_started:
            self.sysmon_started = True
            self.at_code(self.now + self.sysmon.sleep_ns(), SYSMON)
        heap, gs, pop = self.heap, self.gs, _heappop
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
            elif code == SYSMON:
                self.now = t
                self.sysmon.retake(self.procs, t)
                self.at_code(t + self.sysmon.sleep_ns(), SYSMON)
            else:
                n += 1
                self.now = t
                self._pwake(self.procs[PWAKE - code], seq)
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
            if g.preempt:  # sysmon found its P's slice run out: async preemption, here
                g.preempt = False
                if self.runnable_besides(g.p):  # type: ignore[arg-type]
                    g.pc = pc
                    self._preempt(g)
                    return
                # the global queue would give it straight back, as a new slice
                g.p.schedtick += 1  # type: ignore[union-attr]
            if pc >= len(items):
                nxt = self.next_items(g)
                g.items = items = nxt if nxt is not None else self.exit_items
                pc = 0
            kind, a, b = items[pc]
            pc += 1
            if kind == CPU or kind == ATOMIC:  # noqa: SIM109 (one compare for CPU, the common case)
                now = self.now
                p = g.p
                t = now + a if kind == CPU else self._atomic(a, b, p.idx)  # type: ignore[union-attr]
                if pc == len(items):
                    # Outside work ends this call: fold the next call's leading outside work
                    # into the same event (nothing observable happens in between).
                    nxt = self.next_items(g)
                    if nxt is None:
                        nxt = self.exit_items
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
                _heappush(heap, (t, seq, g.id))
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
                # gfget reuses a g and stack this P just freed (resume.py)
                a.last_run = self.switches
                a.lastp = g.p
                a.last_run_here = g.p.switches  # type: ignore[union-attr]
                if self.start_items:
                    a.items = self.start_items
                    a.pc = 0
                cost = self.ready(a, g.p)  # newproc: into runnext; wakep's futex on us
                if cost:
                    g.pc = pc
                    self.at(self.now + cost, g)
                    return
            elif kind == WAIT:
                if self.live:
                    g.pc = pc
                    self.waiter = g
                    self.park(g, IDLE, 0, self.now)
                    return
            elif kind == EXIT:
                self._finish(g)
                return

    def _atomic(self, word: AtomicWord, cost: int, p_idx: int) -> int:
        now = self.now
        word.ops += 1
        if word.last_p != p_idx:  # the line is in another core's cache: fetch it first
            if word.last_p >= 0:
                word.moves += 1
                cost += self.line_ns
            word.last_p = p_idx
        if word.free_at > now:  # the line is elsewhere: failed CAS rounds until it is ours
            rounds = -(-(word.free_at - now) // self.cas_retry_ns)
            word.stalled_ns += rounds * self.cas_retry_ns
            now += rounds * self.cas_retry_ns
        word.free_at = now + cost
        return now + cost
