"""Lock driver: Go's ``sync.Mutex`` in virtual time (the RWMutex, built on it, is
:mod:`lsim.engine.model.gorwmutex`).

The rules themselves (barging, FIFO queue, re-queue at the front, 1 ms starvation mode with
hand-off, writer preference) are :class:`lsim.sync.rules.MutexRules` and
:class:`~lsim.sync.rules.RWRules`, the very objects the thread engine drives. This module adds
only what the rules leave to the caller, following ``sync/mutex.go`` and ``runtime/sema.go``:

* Spinning (``lockSlow``): a goroutine that finds the mutex locked and not starving spins
  one round (``runtime_doSpin``: 30 ``PAUSE``, ``spin_ns``) while ``canSpin`` allows it
  (fewer than 4 rounds, another P running, its own P's queues empty). It stays on its P,
  ``running``, and reads the state word only *between* rounds: an Unlock during a round
  goes unnoticed until the round ends, and a goroutine that unlocks and locks again in the
  meantime (its own fast path or CAS) keeps the mutex. When the round ends with the mutex
  free, the spinner's CAS takes it (:meth:`MutexRules.lock`); when it ends locked, it spins
  again or, after 4 rounds, queues. A spinner sets ``mutexWoken`` when waiters are queued
  and nobody is woken, so Unlock wakes nobody, and clears it when it acquires or queues.
* The CAS (:meth:`MutexRules.cas`) takes a free mutex, or counts the goroutine as a waiter
  and calls ``semacquire``, which takes a semaphore count if one is left (``AGAIN``: round
  ``lockSlow`` again, woken) or parks it (``sync.Mutex.Lock``).
* Normal-mode Unlock readies the queue head into the unlocker's ``runnext``; when it runs it
  takes a count or parks again; with one it spins if it may (``awoke``, ``iter = 0``), then
  competes: losing after more than 1 ms of waiting switches to starvation mode.
* Starvation-mode Unlock hands the mutex to the head and yields (``semrelease`` with
  ``handoff``, then ``goyield``): the head runs next on this P and the unlocker is left
  runnable *inside Unlock*, the signature real dumps show.

Contention costs (``line_ns``, one cache line fetched from another core): an acquisition
on a P other than the one of the last Unlock stalls for the lock word's line plus the lines
of protected data the last critical section wrote (the ``writes`` of its UNLOCK item: the
map headers an insert dirtied); a fast-path CAS that fails on the owner's line reads the
state only once the line has come; the semaphore's ``semaRoot`` line moves with each park
and each ``semrelease`` on another P. Waking a goroutine (``ready``) can start an idle P's
M, whose futex wake the unlocker pays (``futex_ns``, see :mod:`lsim.engine.model.sched`).
"""

from __future__ import annotations

from typing import Final

from lsim.engine.model import core
from lsim.engine.model.core import Goroutine
from lsim.engine.model.sched import Scheduler as Sim
from lsim.sync import rules as _rules
from lsim.sync.rules import Action, MutexRules
from lsim.sync.stats import LockStats

# Final names (mypyc: C statics, where a plain imported name is a dict lookup at each use)
MUTEX_LOCK: Final = core.MUTEX_LOCK
R_GRANTED: Final = core.R_GRANTED
R_OWNED: Final = core.R_OWNED
R_SLOW: Final = core.R_SLOW
R_SPIN: Final = core.R_SPIN
R_WOKEN: Final = core.R_WOKEN
AGAIN: Final = _rules.AGAIN
OWNER: Final = _rules.OWNER
HANDOFF: Final = Action.HANDOFF


class SimMutex:
    __slots__ = ("name", "lid", "rules", "stats", "record", "t_acq", "busy_ns", "last_p",
                 "dirty", "moves", "root_p")  # fmt: skip

    def __init__(self, name: str, lid: int, *, record: bool = True) -> None:
        self.name = name
        self.lid = lid  # census lock id
        self.rules: MutexRules[Goroutine] = MutexRules()
        self.stats = LockStats()
        self.record = record  # False: an RWMutex's inner mutex (the RWMutex keeps the stats)
        self.t_acq = 0
        self.busy_ns = 0  # time the locked bit was set (utilisation)
        self.last_p = -1  # the P of the last Unlock: the lock word's line is there
        self.dirty = 0  # protected lines the last critical section wrote
        self.moves = 0  # acquisitions on another P than the last Unlock's
        self.root_p = -1  # the P whose cache holds the semaphore's semaRoot line

    kind = "mutex"

    # -- Lock -----------------------------------------------------------------------------------
    def lock(self, sim: Sim, g: Goroutine, mode: int) -> bool:
        """True: ``g`` owns the mutex and carries on; False: it spins, stalls or parks."""
        if self.rules.try_lock():  # fast path: CAS 0 -> mutexLocked
            return self._acquired(sim, g)
        g.spin_iter = 0
        g.awoke = False
        p = g.p
        assert p is not None
        if sim.line_ns and 0 <= self.last_p != p.idx:
            # the failed CAS first fetched the lock word's line from the owner's core:
            # lockSlow reads the state word only once it has arrived
            g.resume = R_SLOW
            g.wlock = self
            sim.at(sim.now + sim.line_ns, g)
            return False
        return self._slow(sim, g)

    def _acquired(self, sim: Sim, g: Goroutine) -> bool:
        self.t_acq = sim.now
        self._owned(sim, g)
        return self._fetch_lines(sim, g)

    def _owned(self, sim: Sim, g: Goroutine) -> None:
        if self.record:
            stats = self.stats
            stats.acquisitions += 1
            if g.wait_t0:
                stats.record_wait(sim.now - g.wait_t0, g.op, g.unl_op)
                g.wait_t0 = 0

    def _root(self, sim: Sim, p: int) -> int:
        """P ``p`` touches the semaphore's ``semaRoot`` (lock, ``nwait``, treap: one line)."""
        last, self.root_p = self.root_p, p
        return sim.line_ns if 0 <= last != p else 0

    def _fetch_lines(self, sim: Sim, g: Goroutine) -> bool:
        """The new owner stalls while the lock word and the dirty lines come from the P of
        the last Unlock. True: no stall (it carries on)."""
        p = g.p
        assert p is not None
        last = self.last_p
        if last < 0:  # the first acquisition: the line is in this P's cache from now on
            self.last_p = p.idx
            return True
        if last == p.idx or not sim.line_ns:
            return True
        self.moves += 1
        self.last_p = p.idx
        g.resume = R_OWNED
        g.wlock = self
        sim.at(sim.now + (1 + self.dirty) * sim.line_ns, g)
        return False

    def _slow(self, sim: Sim, g: Goroutine) -> bool:
        """The top of ``lockSlow``'s loop with a fresh read of the state word."""
        rules = self.rules
        if rules.spinnable() and sim.can_spin(g):
            if not g.awoke and not g.set_woken and rules.try_set_woken():
                g.set_woken = True  # Go: "inform Unlock to not wake other blocked goroutines"
            g.resume = R_SPIN
            g.wlock = self
            sim.at(sim.now + sim.spin_ns, g)
            return False
        return self._cas(sim, g)

    def _cas(self, sim: Sim, g: Goroutine) -> bool:
        """The CAS after spinning: take a free mutex, or queue (front if woken before)."""
        rules = self.rules
        now = sim.now
        if g.set_woken:
            rules.clear_woken()
            g.set_woken = False
        code = rules.cas(g, now, g.awoke)
        if code == OWNER:
            return self._acquired(sim, g)
        if code == AGAIN:  # semacquire took a count without parking: round again, woken
            g.awoke = True
            g.spin_iter = 0
            return self._slow(sim, g)
        if not g.wait_t0:
            g.wait_t0 = now
        return self._park(sim, g)

    def _park(self, sim: Sim, g: Goroutine) -> bool:
        """semacquire's slow path: it locks the semaphore's root, queues and parks."""
        p = g.p
        assert p is not None
        g.wlock = self
        sim.park(g, MUTEX_LOCK, self.lid, g.wait_t0, self._root(sim, p.idx))
        return False

    def resume(self, sim: Sim, g: Goroutine, code: int) -> bool:
        if code == R_SPIN:  # a round ended: read the state again
            g.spin_iter += 1
            return self._slow(sim, g)
        if code == R_OWNED:  # the lines arrived
            return True
        if code == R_SLOW:  # the failed fast-path CAS's line arrived
            return self._slow(sim, g)
        if code == R_GRANTED:  # handed off in starvation mode: already the owner
            self._owned(sim, g)
            return self._fetch_lines(sim, g)
        # R_WOKEN: the readied head runs; semacquire1 takes a count or parks it again
        if not self.rules.woken_takes(g):  # no count left: semacquire1 parks it again
            return self._park(sim, g)
        # semacquire returned in normal mode (awoke = true, iter = 0)
        g.awoke = True
        g.spin_iter = 0
        return self._slow(sim, g)

    # -- Unlock ---------------------------------------------------------------------------------
    def unlock(self, sim: Sim, g: Goroutine, arg: int) -> bool:
        """True when ``g`` does not carry on inline (it yielded, or pays a futex wake)."""
        now = sim.now
        held = now - self.t_acq
        self.busy_ns += held
        if self.record:
            self.stats.hold_sampled_ns += held
            self.stats.hold_samples += 1
        p = g.p
        assert p is not None
        self.last_p = p.idx
        self.dirty = arg >> 2
        rules = self.rules
        counts = rules.sema + rules.handoffs
        action, head = rules.unlock(now)
        # semrelease reads the root's nwait (and, with a waiter, locks the root to dequeue it)
        cost = self._root(sim, p.idx) if rules.sema + rules.handoffs != counts else 0
        if head is None:
            if cost:
                sim.at(now + cost, g)
                return True
            return False
        head.unl_op = g.op
        head.wlock = self
        if action == HANDOFF:
            self.t_acq = now  # locked throughout: the head owns it from now
            head.resume = R_GRANTED
            sim.handoff(g, head, self.lid, cost)
            return True
        head.resume = R_WOKEN
        cost += sim.ready(head, p, self.lid)
        if cost:
            sim.at(now + cost, g)
            return True
        return False
