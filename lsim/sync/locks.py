"""Real-thread ``Mutex`` and ``RWMutex`` that follow Go's rules (see :mod:`lsim.sync.rules`).

Each lock keeps a tiny guard (a ``threading.Lock``) around its rule state and parks waiters on
per-thread semaphores, so the waiter queue is explicit and a census can count it exactly.
A thread is published as waiting only after a non-blocking acquire failed; the thread that
wakes it marks it ``runnable``; it marks itself ``running`` when it actually resumes.

One known difference from Go's single compare-and-swap on a state word: the fast path reads
the locked bit only, so in a narrow window (an unlock racing with a woken waiter that is
just switching the mutex to starvation mode) one newcomer can still barge once; the next
unlock hands off to the starving waiter as Go would.

The wait paths are methods named like Go's (``Mutex.Lock`` -> :meth:`Mutex.lock` calls
``_lock_slow``), so in-process profilers such as yappi attribute lock waits to them.
"""

from __future__ import annotations

import threading
from time import perf_counter_ns
from types import TracebackType
from typing import Any

from lsim.sync.registry import register_lock
from lsim.sync.rules import Action, MutexRules, RWRules
from lsim.sync.states import GoState, Waiter, current_slot, current_waiter
from lsim.sync.stats import HOLD_SAMPLE_EVERY, LockStats

_HOLD_MASK = HOLD_SAMPLE_EVERY - 1


class _ThreadBit:
    """The locked bit as a ``threading.Lock``: ``try_set`` is an atomic compare-and-set."""

    __slots__ = ("_lock",)

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock  # held <=> the mutex is locked (or handed off in starvation mode)

    def clear(self) -> None:
        try:
            self._lock.release()
        except RuntimeError:
            raise RuntimeError("sync: unlock of unlocked mutex") from None

    def try_set(self) -> bool:
        return self._lock.acquire(False)

    def is_set(self) -> bool:
        return self._lock.locked()


class Mutex:
    """Go's ``sync.Mutex`` for threads: ``lock()``, ``unlock()``, ``try_lock()``, ``with m:``."""

    __slots__ = (
        "name",
        "lock_id",
        "_stats",
        "_rules",
        "_guard",
        "_try",
        "_release",
        "_hold_t0",
        "_last_unlocker_op",
        "_acquisitions",
    )

    def __init__(self, name: str = "mutex") -> None:
        bit_lock = threading.Lock()
        self.name = name
        self.lock_id = register_lock(name, "mutex")
        self._stats = LockStats()
        self._rules: MutexRules[Waiter] = MutexRules(_ThreadBit(bit_lock))
        self._guard = threading.Lock()
        self._try = bit_lock.acquire
        self._release = bit_lock.release
        self._hold_t0 = 0
        self._last_unlocker_op = 0
        self._acquisitions = 0  # kept here, not in stats: one attribute less on the fast path

    # -- fast paths -------------------------------------------------------------------------
    def lock(self) -> None:
        # No starvation check here: in starvation mode the bit stays set through every
        # hand-off, so the compare-and-set fails and we queue at the tail as Go requires.
        if not self._try(False):
            self._lock_slow()
            return
        # the owner alone touches these counters: no race, no extra synchronisation
        count = self._acquisitions + 1
        self._acquisitions = count
        if not count & _HOLD_MASK:
            self._hold_t0 = perf_counter_ns()

    def unlock(self, *_exc_info: object) -> None:
        """Unlock; also ``__exit__`` (it ignores the exception info and never swallows it)."""
        if self._hold_t0:
            stats = self._stats
            stats.hold_sampled_ns += perf_counter_ns() - self._hold_t0
            stats.hold_samples += 1
            self._hold_t0 = 0
        # Go's Unlock takes the slow path when the state word holds more than the locked
        # bit. The test is the state's waiter count, not the semaphore queue: a waiter that
        # was readied but has not run yet is counted and not queued, and if a newcomer took
        # its semaphore count it will queue again and wait for the next Unlock's count.
        # Starvation mode implies a counted waiter (it ends with the last hand-off).
        rules = self._rules
        if rules.waiters:
            self._unlock_slow()
            return
        try:
            self._release()
        except RuntimeError:
            raise RuntimeError("sync: unlock of unlocked mutex") from None
        if rules.waiters:  # a waiter queued between our check and the release
            self._wake_after_release()

    def try_lock(self) -> bool:
        if self._rules.starving or not self._try(False):  # Go's TryLock fails when starving
            return False
        self._acquisitions += 1
        return True

    def locked(self) -> bool:
        return self._rules.locked

    # ``with m:`` calls lock() directly (no wrapper frame): it is the hot path in the stores
    __enter__ = lock

    __exit__ = unlock  # no wrapper frame on the stores' hot ``with`` path

    # -- slow paths (named so profilers show where threads wait) ----------------------------
    def _lock_slow(self) -> None:
        me = current_waiter()
        start = perf_counter_ns()
        with self._guard:
            granted = self._rules.lock(me, start)
            if not granted:
                me.slot.set_state(GoState.MUTEX_LOCK, self.lock_id)
        while not granted:
            me.park()  # Mutex.Lock: parked until an unlock wakes us or hands off
            if me.outcome == Action.HANDOFF:
                break
            with self._guard:
                granted = self._rules.retry(me, perf_counter_ns())
                if not granted:
                    me.slot.set_state(GoState.MUTEX_LOCK, self.lock_id)
        now = perf_counter_ns()
        me.slot.set_state(GoState.RUNNING)
        stats = self._stats
        self._acquisitions += 1
        waited = now - start
        stats.record_wait(waited, me.slot.op, self._last_unlocker_op)
        me.outcome = 0
        self._hold_t0 = now  # contended holds are always timed: they matter most

    def _unlock_slow(self) -> None:
        op = current_slot().op
        with self._guard:
            action, head = self._rules.unlock(perf_counter_ns())
            self._notify(action, head, op)

    def _wake_after_release(self) -> None:
        op = current_slot().op
        with self._guard:
            action, head = self._rules.after_release(perf_counter_ns())
            self._notify(action, head, op)

    def _notify(self, action: Action, head: Waiter | None, op: int) -> None:
        if head is not None:
            self._last_unlocker_op = op
            head.unpark(action)

    # -- reporting --------------------------------------------------------------------------
    @property
    def stats(self) -> LockStats:
        """The lock's statistics (acquisitions brought up to date on each read)."""
        self._stats.acquisitions = self._acquisitions
        return self._stats

    def snapshot(self) -> dict[str, Any]:
        data = {"name": self.name, "kind": "mutex", "lock_id": self.lock_id}
        data.update(self.stats.snapshot())
        data["starvation_entries"] = self._rules.starvation_entries
        data["handoffs"] = self._rules.handoffs
        return data

    def waiters(self) -> int:
        """Threads queued right now (exact: read from the queue)."""
        return len(self._rules.queue)


class RWMutex:
    """Go's ``sync.RWMutex`` for threads: ``rlock()/runlock()``, ``lock()/unlock()``.

    ``with rw:`` takes the write side; ``with rw.reader():`` the read side.
    """

    __slots__ = (
        "name",
        "lock_id",
        "stats",
        "read_stats",
        "_w",
        "_rules",
        "_guard",
        "_hold_t0",
        "_last_unlocker_op",
    )

    def __init__(self, name: str = "rwmutex") -> None:
        self.name = name
        self.lock_id = register_lock(name, "rwmutex")
        self.stats = LockStats()  # write side
        self.read_stats = LockStats()
        self._w = Mutex(f"{name}.w")  # writers serialise here first, as in Go
        self._rules: RWRules[Waiter] = RWRules()
        self._guard = threading.Lock()
        self._hold_t0 = 0
        self._last_unlocker_op = 0

    def rlock(self) -> None:
        with self._guard:
            if self._rules.try_rlock():
                self.read_stats.acquisitions += 1
                return
        self._rlock_slow()

    def runlock(self) -> None:
        with self._guard:
            writer = self._rules.runlock()
            if writer is not None:
                self._last_unlocker_op = current_slot().op
                writer.unpark(Action.HANDOFF)

    def try_rlock(self) -> bool:
        with self._guard:
            if self._rules.try_rlock():
                self.read_stats.acquisitions += 1
                return True
            return False

    def lock(self) -> None:
        self._w.lock()
        me = current_waiter()
        start = perf_counter_ns()
        with self._guard:
            if self._rules.announce_writer(me, start):
                self.stats.acquisitions += 1
                self._hold_t0 = start
                return
            # publish inside the guard: the last reader may wake us right after it
            me.slot.set_state(GoState.RWMUTEX_LOCK, self.lock_id)
        self._lock_slow(me, start)

    def unlock(self) -> None:
        if self._hold_t0:
            self.stats.hold_sampled_ns += perf_counter_ns() - self._hold_t0
            self.stats.hold_samples += 1
            self._hold_t0 = 0
        with self._guard:
            released = self._rules.unlock_writer()
            if released:
                self._last_unlocker_op = current_slot().op
            for reader in released:
                reader.unpark(Action.HANDOFF)
        self._w.unlock()

    def try_lock(self) -> bool:
        if not self._w.try_lock():
            return False
        with self._guard:
            if self._rules.readers == 0:
                self._rules.announce_writer(current_waiter(), 0)
                self.stats.acquisitions += 1
                return True
        self._w.unlock()
        return False

    def reader(self) -> _ReadSide:
        return _ReadSide(self)

    def __enter__(self) -> RWMutex:
        self.lock()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.unlock()

    def _rlock_slow(self) -> None:
        me = current_waiter()
        start = perf_counter_ns()
        with self._guard:
            if self._rules.rlock(me, start):  # the writer left meanwhile
                self.read_stats.acquisitions += 1
                return
            me.slot.set_state(GoState.RWMUTEX_RLOCK, self.lock_id)
        me.park()  # RWMutex.RLock: parked until the writer unlocks
        waited = perf_counter_ns() - start
        me.slot.set_state(GoState.RUNNING)
        with self._guard:
            self.read_stats.acquisitions += 1
            self.read_stats.record_wait(waited, me.slot.op, self._last_unlocker_op)

    def _lock_slow(self, me: Waiter, start: int) -> None:
        me.park()  # RWMutex.Lock: parked until the last reader leaves
        now = perf_counter_ns()
        me.slot.set_state(GoState.RUNNING)
        self.stats.acquisitions += 1
        self.stats.record_wait(now - start, me.slot.op, self._last_unlocker_op)
        self._hold_t0 = now

    def snapshot(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "kind": "rwmutex", "lock_id": self.lock_id}
        data.update(self.stats.snapshot())
        data["read"] = self.read_stats.snapshot()
        data["writer_mutex"] = self._w.snapshot()
        return data

    def waiters(self) -> int:
        """Threads queued right now: readers, the announced writer, writers on the inner lock."""
        rules = self._rules
        return len(rules.reader_queue) + (rules.writer is not None) + self._w.waiters()


class _ReadSide:
    __slots__ = ("_rw",)

    def __init__(self, rw: RWMutex) -> None:
        self._rw = rw

    def __enter__(self) -> RWMutex:
        self._rw.rlock()
        return self._rw

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._rw.runlock()
