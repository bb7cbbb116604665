"""The census: the parent samples the child's state board at a fixed rate.

Counting is done on packed state words with ``collections.Counter`` (C speed); a few full
snapshots are kept so the report can show one representative sample as a goroutine dump.
The sampler's own cost (time spent sampling per second of run) is measured and reported.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from lsim.engine.board import BoardSnapshot, StateBoard, unpack
from lsim.sync.states import BLOCKED_STATES, GoState

MAX_SNAPSHOTS = 64


def _blocked_words(counts: Counter[int]) -> int:
    return sum(n for word, n in counts.items() if (word & 0xFF) in BLOCKED_STATES)


@dataclass
class Census:
    """Accumulated census over the measured window."""

    rate_hz: float
    totals: Counter[int] = field(default_factory=Counter)
    blocked_per_sample: list[int] = field(default_factory=list)
    live_per_sample: list[int] = field(default_factory=list)
    snapshots: list[tuple[int, BoardSnapshot]] = field(default_factory=list)
    sample_seconds: float = 0.0
    skipped_ticks: int = 0  # ticks dropped because the sampler fell a whole period behind

    @property
    def samples(self) -> int:
        return len(self.blocked_per_sample)

    def take(self, board: StateBoard) -> int:
        """One sample; returns the number of blocked threads in it."""
        began = time.perf_counter()
        counts = board.census_counts()
        idle = counts.pop(GoState.IDLE, 0)
        self.totals.update(counts)
        blocked = _blocked_words(counts)
        self.blocked_per_sample.append(blocked)
        self.live_per_sample.append(board.slots - idle)
        # keep a spread of full snapshots: every k-th sample, thinned when full
        every = 1 + self.samples // MAX_SNAPSHOTS
        if self.samples % every == 0:
            self.snapshots.append((blocked, board.snapshot()))
            if len(self.snapshots) > MAX_SNAPSHOTS:
                self.snapshots = self.snapshots[::2]
        self.sample_seconds += time.perf_counter() - began
        return blocked

    def representative(self) -> BoardSnapshot | None:
        """The kept snapshot whose blocked count is the median of the kept ones."""
        if not self.snapshots:
            return None
        ordered = sorted(self.snapshots, key=lambda item: item[0])
        return ordered[len(ordered) // 2][1]

    def cells(self) -> list[tuple[int, int, int, int]]:
        """(state, op, lock_id, thread_samples) for every combination seen."""
        return [(*unpack(word), n) for word, n in sorted(self.totals.items())]


class Sampler:
    """Drives :class:`Census` at a fixed rate without drifting (next tick from the schedule)."""

    def __init__(self, board: StateBoard, rate_hz: float) -> None:
        self.board = board
        self.census = Census(rate_hz)
        self.period = 1.0 / rate_hz
        self.next_tick = time.perf_counter()

    def due_in(self) -> float:
        return max(0.0, self.next_tick - time.perf_counter())

    def tick(self) -> None:
        now = time.perf_counter()
        if not self.census.samples:  # the window just began: the schedule starts now
            self.next_tick = now
        elif now - self.next_tick > self.period:  # fell behind: skip, don't burst
            self.census.skipped_ticks += int((now - self.next_tick) / self.period)
            self.next_tick = now
        self.census.take(self.board)
        self.next_tick += self.period
