"""Go's ``sync.Mutex`` and ``sync.RWMutex`` rules as pure state machines (no threads, no clock).

Both engines drive these same rules: the thread engine's locks call them under a small guard
with real time, the Go-runtime model calls them in virtual time. Every method takes ``now``
in nanoseconds and returns what happened, so they are tested deterministically.

Mutex (Go's ``sync/mutex.go``):

* Normal mode: a newcomer takes an unlocked mutex at once, even when others are queued
  (barging). Unlock wakes the queue head, which must compete again with newcomers; if it
  loses it goes back to the *front* of the queue.
* Starvation mode starts when a woken waiter loses after having waited more than 1 ms.
  Unlock then hands the mutex straight to the queue head (it stays locked), newcomers do not
  barge but queue at the tail. It ends when the waiter that receives the mutex is the last
  one, or waited less than 1 ms.
* At most one woken waiter competes at a time (Go's ``mutexWoken`` bit): unlock does not wake
  another while one is still on its way. A spinner may set the bit too (``try_set_woken``:
  only while waiters are queued and nobody is woken), so the next unlock wakes nobody; it
  clears the bit again (``clear_woken``) when it acquires or queues.
* The semaphore's count is kept apart from its queue, as ``runtime/sema.go`` does: a
  normal-mode Unlock releases one count (``semrelease``) and readies the queue head, which
  takes the count only when it runs (``cansemacquire`` after ``gopark``). A newcomer that
  finds the mutex locked and calls ``semacquire`` in between takes the count first and does
  not park: it goes round ``lockSlow`` as if woken, clearing ``mutexWoken`` — so the next
  Unlock readies another waiter — and queues at the *front* if it loses. The readied head,
  finding no count, parks again where its ``semacquire`` call queued it (the front if it
  had waited before, else the tail), without touching the state word. On one mutex at P=2
  this keeps most waiters readied in the run queues, which is what real Go's dumps show.
* Spinning itself is the caller's (a real thread does not spin; the model spins in virtual
  time): ``spinnable`` is Go's test ``old&(mutexLocked|mutexStarving) == mutexLocked``, and a
  spinner that reads the state between rounds then makes one compare-and-swap attempt,
  which is :meth:`MutexRules.lock` (or :meth:`MutexRules.retry` for a woken waiter): it wins
  only if nobody re-locked the mutex since the unlock.

RWMutex (Go's ``sync/rwmutex.go``): writers first serialise on an inner Mutex (a separate
:class:`MutexRules`); the writer holding it *announces* itself, after which new readers queue;
it waits for the readers that were already inside, and its unlock releases every reader that
queued during the write before the inner Mutex goes to the next writer.

The "locked" bit is pluggable (:class:`LockBit`): a plain bool for the model, and a
``threading.Lock`` for real threads so that the uncontended path is a single atomic
compare-and-set without the guard.
"""

from __future__ import annotations

from collections import deque
from enum import IntEnum
from typing import Generic, Protocol, TypeVar

STARVATION_THRESHOLD_NS = 1_000_000  # Go's starvationThresholdNs: 1 ms


class HasSince(Protocol):
    since_ns: int


W = TypeVar("W", bound=HasSince)


# MutexRules.cas outcomes
PARKED = 0  # queued on the semaphore: the caller parks
OWNER = 1  # took the mutex
AGAIN = 2  # took a semaphore count without parking: go round lockSlow again, woken


class Action(IntEnum):
    """What an unlock did to the waiter queue."""

    NONE = 0
    WAKE = 1  # normal mode: head woken, must compete again (it is runnable, not owner)
    HANDOFF = 2  # starvation mode: head now owns the mutex


class LockBit(Protocol):
    def try_set(self) -> bool: ...

    def clear(self) -> None: ...

    def is_set(self) -> bool: ...


class PlainBit:
    """The locked bit for single-threaded (simulated) use."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = False

    def try_set(self) -> bool:
        if self.value:
            return False
        self.value = True
        return True

    def clear(self) -> None:
        if not self.value:
            raise RuntimeError("sync: unlock of unlocked mutex")
        self.value = False

    def is_set(self) -> bool:
        return self.value


class MutexRules(Generic[W]):
    """State of one Go mutex: the state word (locked bit, starvation flag, woken flag,
    waiter count) and the semaphore (its count and its FIFO/LIFO waiter queue)."""

    __slots__ = ("bit", "starving", "woken", "waiters", "queue", "sema", "starvation_entries",
                 "handoffs", "steals", "_lifo")  # fmt: skip

    def __init__(self, bit: LockBit | None = None) -> None:
        self.bit: LockBit = bit if bit is not None else PlainBit()
        self.starving = False
        self.woken = False
        self.waiters = 0  # the state word's waiter count (m.state >> mutexWaiterShift)
        self.queue: deque[W] = deque()  # the semaphore's parked waiters (nwait = len)
        self.sema = 0  # Go's m.sema: counts released by Unlock, not yet taken
        self.starvation_entries = 0
        self.handoffs = 0
        self.steals = 0  # counts taken by a goroutine that had not parked for them
        self._lifo: set[int] = set()  # id() of waiters whose semacquire queues at the front

    @property
    def locked(self) -> bool:
        return self.bit.is_set()

    def try_lock(self) -> bool:
        """Go's TryLock: never queues; fails in starvation mode (the mutex is spoken for)."""
        return not self.starving and self.bit.try_set()

    def spinnable(self) -> bool:
        """Go's spin condition on the state word: locked and not in starvation mode."""
        return not self.starving and self.bit.is_set()

    def try_set_woken(self) -> bool:
        """A spinner asks Unlock not to wake a waiter (Go: ``!awoke && old&mutexWoken == 0
        && old>>mutexWaiterShift != 0``, then a CAS setting ``mutexWoken``). True: it set it
        and must clear it later with :meth:`clear_woken`."""
        if self.woken or not self.waiters:
            return False
        self.woken = True
        return True

    def clear_woken(self) -> None:
        """The spinner that set ``mutexWoken`` acquires or queues (Go: ``new &^= mutexWoken``)."""
        self.woken = False

    # -- lockSlow's CAS and semacquire ----------------------------------------------------------
    def cas(self, waiter: W, now: int, awoke: bool) -> int:
        """``lockSlow``'s CAS after spinning: :data:`OWNER` (took the free mutex),
        :data:`PARKED` (counted as a waiter and queued on the semaphore: the caller parks)
        or :data:`AGAIN` (``semacquire`` found a count and returned at once: the caller goes
        round ``lockSlow`` again as a woken goroutine, ``awoke``, ``iter = 0``). ``awoke``:
        ``semacquire`` already returned once in this Lock call (so it clears ``mutexWoken``,
        may switch the mutex to starvation mode, and queues at the front)."""
        if awoke:
            self.woken = False
        if self.try_lock():
            self._lifo.discard(id(waiter))
            return OWNER
        self.waiters += 1  # new += 1 << mutexWaiterShift: the mutex is locked or starving
        if awoke:
            if not self.starving and now - waiter.since_ns > STARVATION_THRESHOLD_NS:
                self.starving = True
                self.starvation_entries += 1
        else:
            waiter.since_ns = now  # waitStartTime
        return self._semacquire(waiter, awoke)

    def _semacquire(self, waiter: W, lifo: bool) -> int:
        if self.sema:  # cansemacquire: a count no parked waiter has taken yet
            self.sema -= 1
            self.steals += 1
            return AGAIN
        if lifo:
            self.queue.appendleft(waiter)
            self._lifo.add(id(waiter))
        else:
            self.queue.append(waiter)
            self._lifo.discard(id(waiter))
        # A lock-free unlock (the thread engine's) may have cleared the bit between the try
        # and the queueing; trying once more closes that window (the unlocker re-checks the
        # queue). In the model the bit cannot change in between: this never succeeds there.
        if self.try_lock():
            self.queue.popleft() if lifo else self.queue.pop()
            self._lifo.discard(id(waiter))
            self.waiters -= 1
            return OWNER
        return PARKED

    def woken_takes(self, waiter: W) -> bool:
        """The readied head runs (``semacquire1`` after ``gopark``): True, it took a count;
        False, none is left (a goroutine that had not parked took it) and it is queued
        again where its ``semacquire`` call queued it, without touching the state word."""
        if self.sema:
            self.sema -= 1
            return True
        if id(waiter) in self._lifo:
            self.queue.appendleft(waiter)
        else:
            self.queue.append(waiter)
        return False

    def lock(self, waiter: W, now: int) -> bool:
        """A newcomer asks for the mutex without spinning (the thread engine). True: it owns
        it. False: queued (at the tail, or at the front after it took a count and lost)."""
        code = self.cas(waiter, now, False)
        while code == AGAIN:
            code = self.cas(waiter, now, True)
        return code == OWNER

    def retry(self, waiter: W, now: int) -> bool:
        """A woken waiter runs: it takes its count (else it is queued again: False), then
        competes: True, owner; False, back at the queue *front*."""
        if not self.woken_takes(waiter):
            return False
        code = AGAIN
        while code == AGAIN:
            code = self.cas(waiter, now, True)
        return code == OWNER

    # -- Unlock ---------------------------------------------------------------------------------
    def unlock(self, now: int) -> tuple[Action, W | None]:
        """The owner unlocks: hand off (starvation mode) or release and maybe wake the head."""
        if self.starving:
            if not self.bit.is_set():
                raise RuntimeError("sync: unlock of unlocked mutex")
            return self._hand_off(now)
        self.bit.clear()
        return self._wake_one()

    def after_release(self, now: int) -> tuple[Action, W | None]:
        """Queue work for an unlock that already cleared the bit without the guard."""
        if self.starving:
            if not self.bit.try_set():
                return Action.NONE, None  # someone holds it; their unlock will hand off
            return self._hand_off(now)
        return self._wake_one()

    def _hand_off(self, now: int) -> tuple[Action, W | None]:
        """``semrelease(handoff)``: the head gets the count as its ticket and owns the mutex;
        as it runs it takes itself off the waiter count and ends starvation mode if it was
        the last counted waiter or waited less than 1 ms."""
        if not self.queue:  # nobody parked to hand to: a plain release ends starvation
            self.starving = False
            self.bit.clear()
            return Action.NONE, None
        head = self.queue.popleft()
        self._lifo.discard(id(head))
        self.handoffs += 1
        self.waiters -= 1  # delta = mutexLocked - 1<<mutexWaiterShift
        if not self.waiters or now - head.since_ns < STARVATION_THRESHOLD_NS:
            self.starving = False
        return Action.HANDOFF, head

    def _wake_one(self) -> tuple[Action, W | None]:
        # Go returns early when the mutex was re-locked by a barger or a waiter is already
        # woken: that owner's own unlock, or the woken waiter, keeps the queue moving. It
        # tests the state word's waiter count, not the semaphore's queue: when every counted
        # waiter is readied (not parked), semrelease leaves the count for whoever calls
        # semacquire next.
        if not self.waiters or self.woken or self.bit.is_set():
            return Action.NONE, None
        self.waiters -= 1
        self.woken = True
        self.sema += 1  # semrelease
        if not self.queue:  # nwait == 0: the count stays
            return Action.NONE, None
        head = self.queue.popleft()  # readied: it takes the count when it runs (or not)
        return Action.WAKE, head


class RWRules(Generic[W]):
    """The reader side of Go's RWMutex; writers hold an inner :class:`MutexRules` first."""

    __slots__ = ("readers", "writer_announced", "reader_wait", "reader_queue", "writer")

    def __init__(self) -> None:
        self.readers = 0  # readers inside (granted, not yet RUnlocked)
        self.writer_announced = False
        self.reader_wait = 0  # readers the announced writer still waits for
        self.reader_queue: list[W] = []
        self.writer: W | None = None  # announced writer parked until readers drain

    def try_rlock(self) -> bool:
        """Writer preference: once a writer has announced itself, new readers queue."""
        if self.writer_announced:
            return False
        self.readers += 1
        return True

    def rlock(self, reader: W, now: int) -> bool:
        if self.try_rlock():
            return True
        reader.since_ns = now
        self.reader_queue.append(reader)
        return False

    def runlock(self) -> W | None:
        """A reader leaves; returns the writer to wake when it was the last one it awaited."""
        if self.readers <= 0:
            raise RuntimeError("sync: RUnlock of unlocked RWMutex")
        self.readers -= 1
        if self.writer_announced and self.reader_wait > 0:
            self.reader_wait -= 1
            if self.reader_wait == 0:
                writer, self.writer = self.writer, None
                return writer
        return None

    def announce_writer(self, writer: W, now: int) -> bool:
        """The writer holding the inner mutex blocks new readers. True: no reader inside."""
        if self.writer_announced:
            raise RuntimeError("sync: writer announced twice (inner mutex not held?)")
        self.writer_announced = True
        self.reader_wait = self.readers
        if self.reader_wait == 0:
            return True
        writer.since_ns = now
        self.writer = writer
        return False

    def unlock_writer(self) -> list[W]:
        """The writer leaves: every reader that queued during the write gets in."""
        if not self.writer_announced:
            raise RuntimeError("sync: Unlock of unlocked RWMutex")
        self.writer_announced = False
        released, self.reader_queue = self.reader_queue, []
        self.readers += len(released)
        return released
