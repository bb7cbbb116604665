"""Lock driver: Go's ``sync.RWMutex`` in virtual time (``sync/rwmutex.go``).

An RWMutex is an inner writer :class:`~lsim.engine.model.golock.SimMutex` plus the reader
rules (:class:`lsim.sync.rules.RWRules`, the object the thread engine drives too); a writer's
Lock is the two items ``LOCK inner`` then ``LOCK rw ANNOUNCE``. Waits on the inner mutex are
reported under the RWMutex's name with state ``sync.Mutex.Lock``, as Go's dump shows them.
Its ``readerCount`` word moves between Ps like the mutex's state word (``line_ns``) with every
RLock/RUnlock on another P, and a reader that then reads the map pays for the lines the last
writer dirtied, once per P.
"""

from __future__ import annotations

from typing import Final

from lsim.engine.model import core
from lsim.engine.model.core import Goroutine
from lsim.engine.model.golock import SimMutex
from lsim.engine.model.sched import Scheduler as Sim
from lsim.sync.rules import RWRules
from lsim.sync.stats import LockStats

# Final names (mypyc: C statics, where a plain imported name is a dict lookup at each use)
R_GRANTED: Final = core.R_GRANTED
R_OWNED: Final = core.R_OWNED
R_RGRANTED: Final = core.R_RGRANTED
READ: Final = core.READ
RWMUTEX_LOCK: Final = core.RWMUTEX_LOCK
RWMUTEX_RLOCK: Final = core.RWMUTEX_RLOCK


class SimRWMutex:
    """Go's RWMutex: inner writer mutex ``w`` (same census lock id) plus :class:`RWRules`."""

    __slots__ = ("name", "lid", "w", "rules", "stats", "read_stats", "t_acq", "busy_ns",
                 "r_area", "r_last", "word_p", "dirty", "dirty_p", "fresh", "moves")  # fmt: skip

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
        self.word_p = -1  # P of the last atomic on readerCount
        self.dirty = 0  # lines the last writer's critical section wrote
        self.dirty_p = -1  # ... on this P
        self.fresh = 0  # bit mask of Ps that have read those lines since
        self.moves = 0

    def _readers_change(self, now: int) -> None:
        self.r_area += self.rules.readers * (now - self.r_last)
        self.r_last = now

    def _stall(self, sim: Sim, g: Goroutine, data: bool) -> int:
        """Nanoseconds ``g`` waits for ``readerCount``'s line (and, with ``data``, the lines
        the last writer dirtied) to come from other Ps."""
        p = g.p
        assert p is not None
        idx = p.idx
        lines = 0
        if self.word_p >= 0 and self.word_p != idx:
            lines = 1
        self.word_p = idx
        if data and self.dirty and self.dirty_p != idx and not self.fresh >> idx & 1:
            lines += self.dirty
            self.fresh |= 1 << idx
        if lines:
            self.moves += 1
        return lines * sim.line_ns

    def _carry_on(self, sim: Sim, g: Goroutine, stall: int) -> bool:
        if not stall:
            return True
        g.resume = R_OWNED
        g.wlock = self
        sim.at(sim.now + stall, g)
        return False

    def lock(self, sim: Sim, g: Goroutine, mode: int) -> bool:
        now = sim.now
        if mode == READ:
            self._readers_change(now)
            if self.rules.rlock(g, now):
                self.read_stats.acquisitions += 1
                return self._carry_on(sim, g, self._stall(sim, g, True))
            self._stall(sim, g, False)  # its add on readerCount happened all the same
            g.wait_t0 = now
            g.wlock = self
            sim.park(g, RWMUTEX_RLOCK, self.lid, now)
            return False
        # ANNOUNCE: g holds the inner mutex; it blocks new readers and waits for those inside
        stall = self._stall(sim, g, True)
        if self.rules.announce_writer(g, now):
            self._writer_owned(sim, g)
            return self._carry_on(sim, g, stall)
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
        if code == R_OWNED:
            return True
        if code == R_RGRANTED:
            self.read_stats.acquisitions += 1
            self.read_stats.record_wait(sim.now - g.wait_t0, g.op, g.unl_op)
            g.wait_t0 = 0
            return self._carry_on(sim, g, self._stall(sim, g, True))
        # the last reader left: the announced writer owns the lock
        self._writer_owned(sim, g)
        return True

    def unlock(self, sim: Sim, g: Goroutine, arg: int) -> bool:
        now = sim.now
        p = g.p
        assert p is not None
        cost = self._stall(sim, g, False)  # RUnlock / Unlock: an add on readerCount
        if arg & 3 == READ:
            self._readers_change(now)
            writer = self.rules.runlock()
            if writer is not None:
                writer.unl_op = g.op
                writer.resume = R_GRANTED
                writer.wlock = self
                cost += sim.ready(writer, p, self.lid)
        else:
            held = now - self.t_acq
            self.busy_ns += held
            self.stats.hold_sampled_ns += held
            self.stats.hold_samples += 1
            self._readers_change(now)
            self.dirty = arg >> 2
            self.dirty_p = p.idx
            self.fresh = 1 << p.idx
            for reader in self.rules.unlock_writer():  # each readied in turn, as Go's loop does
                reader.unl_op = g.op
                reader.resume = R_RGRANTED
                reader.wlock = self
                cost += sim.ready(reader, p, self.lid)
        if cost:  # the next item (the inner mutex's Unlock for a writer) runs after it
            sim.at(now + cost, g)
            return True
        return False
