"""Lock drivers: Go's ``sync.Mutex``/``sync.RWMutex`` in virtual time.

The rules themselves (barging, FIFO queue, re-queue at the front, 1 ms starvation mode with
hand-off, writer preference) are :class:`lsim.sync.rules.MutexRules` and
:class:`~lsim.sync.rules.RWRules`, the very objects the thread engine drives. This module adds
only what the rules leave to the caller, following ``sync/mutex.go`` and ``runtime/sema.go``:

* Spinning (``lockSlow``): a goroutine that finds the mutex locked, not starving, spins up to
  ``spin_rounds`` rounds when ``canSpin`` allows it (P > 1, another P running, nothing queued
  on its P). It stays on its P, ``running``. A spinner sets the woken flag when waiters are
  queued and nobody is woken, so Unlock does not wake one needlessly; an unlock during the
  spin gives the mutex to the first spinner at once.
* Parking: a goroutine that still fails is queued by the rules and parks (``sync.Mutex.Lock``).
* Normal-mode Unlock wakes the queue head into the unlocker's ``runnext``; when it runs it
  spins again if it may, then competes (``MutexRules.retry``).
* Starvation-mode Unlock hands the mutex to the head and yields (``semrelease`` with
  ``handoff``, then ``goyield``): the head runs next on this P and the unlocker is left
  runnable *inside Unlock*, the signature real dumps show.

An RWMutex is an inner writer :class:`SimMutex` plus the reader rules; a writer's Lock is the
two items ``LOCK inner`` then ``LOCK rw ANNOUNCE``. Waits on the inner mutex are reported under
the RWMutex's name with state ``sync.Mutex.Lock``, as Go's dump shows them.
"""

from __future__ import annotations

from collections import deque

from lsim.engine.model.core import (
    MUTEX_LOCK,
    R_GRANTED,
    R_RGRANTED,
    R_SPIN,
    R_WOKEN,
    READ,
    RWMUTEX_LOCK,
    RWMUTEX_RLOCK,
    Goroutine,
)  # fmt: skip
from lsim.engine.model.sched import Scheduler as Sim
from lsim.sync.rules import Action, MutexRules, RWRules
from lsim.sync.stats import LockStats


class SimMutex:
    __slots__ = ("name", "lid", "rules", "spinners", "stats", "record", "t_acq", "busy_ns")

    def __init__(self, name: str, lid: int, *, record: bool = True) -> None:
        self.name = name
        self.lid = lid  # census lock id
        self.rules: MutexRules[Goroutine] = MutexRules()
        self.spinners: deque[Goroutine] = deque()
        self.stats = LockStats()
        self.record = record  # False: an RWMutex's inner mutex (the RWMutex keeps the stats)
        self.t_acq = 0
        self.busy_ns = 0  # time the locked bit was set (utilisation)

    kind = "mutex"

    # -- Lock -----------------------------------------------------------------------------------
    def lock(self, sim: Sim, g: Goroutine, mode: int) -> bool:
        """True: ``g`` owns the mutex and carries on; False: it spins or parks."""
        if self.rules.try_lock():
            self.t_acq = sim.now
            self._owned(sim, g)
            return True
        return self._slow(sim, g, False)

    def _owned(self, sim: Sim, g: Goroutine) -> None:
        if self.record:
            stats = self.stats
            stats.acquisitions += 1
            if g.wait_t0:
                stats.record_wait(sim.now - g.wait_t0, g.op, g.unl_op)
                g.wait_t0 = 0

    def _slow(self, sim: Sim, g: Goroutine, awoke: bool) -> bool:
        rules = self.rules
        if not rules.starving and rules.locked and sim.can_spin(g):
            g.awoke = awoke
            if not awoke and not rules.woken and rules.queue:
                rules.woken = True  # Go: "inform Unlock to not wake other blocked goroutines"
                g.set_woken = True
            self.spinners.append(g)
            g.wlock = self
            g.resume = R_SPIN
            sim.at(sim.now + sim.spin_total, g)
            return False
        return self._queue(sim, g, awoke)

    def _queue(self, sim: Sim, g: Goroutine, awoke: bool) -> bool:
        rules = self.rules
        now = sim.now
        if g.set_woken:
            rules.woken = False
            g.set_woken = False
        granted = rules.retry(g, now) if awoke else rules.lock(g, now)
        if granted:
            self.t_acq = now
            self._owned(sim, g)
            return True
        if not g.wait_t0:
            g.wait_t0 = now
        g.wlock = self
        sim.park(g, MUTEX_LOCK, self.lid, g.wait_t0)
        return False

    def resume(self, sim: Sim, g: Goroutine, code: int) -> bool:
        if code == R_GRANTED:  # handed off in starvation mode: already the owner
            self._owned(sim, g)
            return True
        if code == R_WOKEN:
            return self._slow(sim, g, True)
        self.spinners.remove(g)  # R_SPIN: the spin ran out with the mutex still taken
        return self._queue(sim, g, g.awoke)

    # -- Unlock ---------------------------------------------------------------------------------
    def unlock(self, sim: Sim, g: Goroutine, mode: int) -> bool:
        """True when ``g`` yielded its P (starvation hand-off)."""
        now = sim.now
        held = now - self.t_acq
        self.busy_ns += held
        if self.record:
            self.stats.hold_sampled_ns += held
            self.stats.hold_samples += 1
        rules = self.rules
        action, head = rules.unlock(now)
        if head is not None:
            head.unl_op = g.op
            if action == Action.HANDOFF:
                self.t_acq = now  # locked throughout: the head owns it from now
                head.resume = R_GRANTED
                head.wlock = self
                sim.handoff(g, head, self.lid)
                return True
            head.resume = R_WOKEN
            head.wlock = self
            sim.ready(head, g.p)
        if self.spinners and not rules.starving and not rules.locked:
            self._grant_spinner(sim)
        return False

    def _grant_spinner(self, sim: Sim) -> None:
        sp = self.spinners.popleft()
        rules = self.rules
        granted = rules.retry(sp, sim.now) if sp.awoke else rules.try_lock()
        assert granted, "an unlocked mutex in normal mode must admit its spinner"
        if sp.set_woken:
            rules.woken = False
            sp.set_woken = False
        sp.resume = 0
        self.t_acq = sim.now
        self._owned(sim, sp)
        sim.at(sim.now, sp)  # it was polling the lock word: it goes on right away


class SimRWMutex:
    """Go's RWMutex: inner writer mutex ``w`` (same census lock id) plus :class:`RWRules`."""

    __slots__ = ("name", "lid", "w", "rules", "stats", "read_stats", "t_acq", "busy_ns",
                 "r_area", "r_last")  # fmt: skip

    kind = "rwmutex"

    def __init__(self, name: str, lid: int) -> None:
        self.name = name
        self.lid = lid
        self.w = SimMutex(name, lid, record=False)
        self.rules: RWRules[Goroutine] = RWRules()
        self.stats = LockStats()  # write side: from Lock() to owning, inner wait included
        self.read_stats = LockStats()
        self.t_acq = 0
        self.busy_ns = 0  # writer inside (announced and readers drained) time
        self.r_area = 0  # integral of readers inside over time
        self.r_last = 0

    def _readers_change(self, now: int) -> None:
        self.r_area += self.rules.readers * (now - self.r_last)
        self.r_last = now

    def lock(self, sim: Sim, g: Goroutine, mode: int) -> bool:
        now = sim.now
        if mode == READ:
            self._readers_change(now)
            if self.rules.rlock(g, now):
                self.read_stats.acquisitions += 1
                return True
            g.wait_t0 = now
            g.wlock = self
            sim.park(g, RWMUTEX_RLOCK, self.lid, now)
            return False
        # ANNOUNCE: g holds the inner mutex; it blocks new readers and waits for those inside
        if self.rules.announce_writer(g, now):
            self._writer_owned(sim, g)
            return True
        if not g.wait_t0:
            g.wait_t0 = now
        g.wlock = self
        sim.park(g, RWMUTEX_LOCK, self.lid, g.wait_t0)
        return False

    def _writer_owned(self, sim: Sim, g: Goroutine) -> None:
        self.t_acq = sim.now
        stats = self.stats
        stats.acquisitions += 1
        if g.wait_t0:
            stats.record_wait(sim.now - g.wait_t0, g.op, g.unl_op)
            g.wait_t0 = 0

    def resume(self, sim: Sim, g: Goroutine, code: int) -> bool:
        if code == R_RGRANTED:
            self.read_stats.acquisitions += 1
            self.read_stats.record_wait(sim.now - g.wait_t0, g.op, g.unl_op)
            g.wait_t0 = 0
        else:  # the last reader left: the announced writer owns the lock
            self._writer_owned(sim, g)
        return True

    def unlock(self, sim: Sim, g: Goroutine, mode: int) -> bool:
        now = sim.now
        if mode == READ:
            self._readers_change(now)
            writer = self.rules.runlock()
            if writer is not None:
                writer.unl_op = g.op
                writer.resume = R_GRANTED
                sim.ready(writer, g.p)
            return False
        held = now - self.t_acq
        self.busy_ns += held
        self.stats.hold_sampled_ns += held
        self.stats.hold_samples += 1
        self._readers_change(now)
        for reader in self.rules.unlock_writer():  # each readied in turn, as Go's loop does
            reader.unl_op = g.op
            reader.resume = R_RGRANTED
            sim.ready(reader, g.p)
        return False  # the next item unlocks the inner mutex
