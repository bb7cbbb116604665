"""The state board: one small record per worker thread, in memory shared with the parent.

The experiment runs in a child process; the parent samples this board (DESIGN.md §4: a
sampler thread inside the same process only runs when it holds the GIL and sees a biased
picture). Each slot is four unsigned 32-bit words:

0. ``state | op << 8 | lock_id << 16`` — one word, so a single read gives a consistent
   triple and the census can count slots with ``collections.Counter`` at C speed;
1. ``since`` — milliseconds since the board's epoch when the current state began;
2. ``ops`` — store operations completed by this thread (progress, live ops/s);
3. reserved.

A header of 16 words precedes the slots: flags and timestamps the child publishes
(``measuring``, window start/end) so the parent samples only the measured interval.
"""

from __future__ import annotations

import mmap
import time
from collections import Counter
from dataclasses import dataclass

from lsim.sync.states import GoState

WORDS_PER_SLOT = 4
HEADER_WORDS = 16
MAX_LOCK_ID = 0xFFFF

# header word indices
H_PHASE = 0  # 0 starting, 1 warming up, 2 measuring, 3 finished
H_THREADS_STARTED = 1
H_ITERATION = 2
H_FAILED = 3
H_STOP = 4  # workers stop at their next step (set by the child, or by the parent's deadline)
H_MEASURING = 5  # workers record latencies while set
H_WINDOW_START_MS = 6  # board time when the measured window began
H_WINDOW_END_MS = 7  # set by the parent when it ended a window the child overran
H_INTERRUPT = 8  # Ctrl-C/SIGTERM: end the window now and report (set by either process)
H_WORKER_FAILED = 9  # a worker raised or a thread could not start: the run fails

PHASE_STARTING, PHASE_WARMUP, PHASE_MEASURING, PHASE_FINISHED = 0, 1, 2, 3


def pack(state: int, op: int, lock_id: int) -> int:
    return state | (op << 8) | ((lock_id & MAX_LOCK_ID) << 16)


def unpack(word: int) -> tuple[int, int, int]:
    return word & 0xFF, (word >> 8) & 0xFF, word >> 16


class StateBoard:
    """Anonymous shared memory created before ``fork``: both processes see the same pages."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        size = (HEADER_WORDS + slots * WORDS_PER_SLOT) * 4
        self._mm = mmap.mmap(-1, size, flags=mmap.MAP_SHARED)
        self.words = memoryview(self._mm).cast("I")
        self.epoch = time.monotonic()

    # -- header ------------------------------------------------------------------------------
    def header(self, index: int) -> int:
        return int(self.words[index])

    def set_header(self, index: int, value: int) -> None:
        self.words[index] = value

    def now_ms(self) -> int:
        return int((time.monotonic() - self.epoch) * 1000) & 0xFFFFFFFF

    # -- slots -------------------------------------------------------------------------------
    def slot(self, index: int) -> BoardSlot:
        return BoardSlot(self, index)

    def state_words(self) -> memoryview:
        """Word 0 of every slot (a strided view, no copy)."""
        return self.words[HEADER_WORDS::WORDS_PER_SLOT]

    def census_counts(self) -> Counter[int]:
        return Counter(self.state_words())

    def total_ops(self) -> int:
        return sum(self.words[HEADER_WORDS + 2 :: WORDS_PER_SLOT])

    def threads_ran(self) -> int:
        """Workers that have begun their plan (running, waiting or asleep: not idle)."""
        states = self.words[HEADER_WORDS::WORDS_PER_SLOT]
        return len(states) - states.tolist().count(0)

    def ops_per_slot(self) -> list[int]:
        return list(self.words[HEADER_WORDS + 2 :: WORDS_PER_SLOT])

    def snapshot(self) -> BoardSnapshot:
        """A copy of every slot's state word and start time (for the representative dump)."""
        return BoardSnapshot(
            taken_ms=self.now_ms(),
            states=bytes(self.words[HEADER_WORDS::WORDS_PER_SLOT].tobytes()),
            since=bytes(self.words[HEADER_WORDS + 1 :: WORDS_PER_SLOT].tobytes()),
        )

    def close(self) -> None:
        self.words.release()
        self._mm.close()


@dataclass(frozen=True)
class BoardSnapshot:
    taken_ms: int
    states: bytes  # uint32 per slot, packed state words
    since: bytes  # uint32 per slot, ms since epoch

    def rows(self) -> list[tuple[int, int, int, int]]:
        """Per slot: (state, op, lock_id, age_ms)."""
        states = memoryview(self.states).cast("I")
        since = memoryview(self.since).cast("I")
        out = []
        for word, began in zip(states, since, strict=True):
            state, op, lock_id = unpack(word)
            out.append((state, op, lock_id, max(0, (self.taken_ms - began) & 0xFFFFFFFF)))
        return out


class BoardSlot:
    """One thread's record; implements :class:`lsim.sync.states.ThreadSlot`."""

    __slots__ = ("op", "_words", "_w0", "_board")

    def __init__(self, board: StateBoard, index: int) -> None:
        self.op = 0
        self._board = board
        self._words = board.words
        self._w0 = HEADER_WORDS + index * WORDS_PER_SLOT

    def set_state(self, state: int, lock_id: int = 0) -> None:
        w0 = self._w0
        self._words[w0 + 1] = self._board.now_ms()
        self._words[w0] = state | (self.op << 8) | ((lock_id & MAX_LOCK_ID) << 16)

    def enter(self, op: int) -> None:
        """The worker starts a store operation: running, inside ``op``."""
        self.op = op
        self._words[self._w0] = GoState.RUNNING | (op << 8)

    def leave(self) -> None:
        """The operation returned: count it; the thread is running outside the store."""
        w0 = self._w0
        self.op = 0
        self._words[w0] = GoState.RUNNING
        self._words[w0 + 2] += 1

    def sleep(self) -> None:
        w0 = self._w0
        self._words[w0 + 1] = self._board.now_ms()
        self._words[w0] = GoState.SLEEP

    def wake(self) -> None:
        self._words[self._w0] = GoState.RUNNING

    def finish(self) -> None:
        self._words[self._w0] = GoState.IDLE
