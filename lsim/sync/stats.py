"""Per-lock statistics in the spirit of Go's mutex and block profiles.

Counters are only updated by the thread that holds the lock (or under the lock's guard), so
they need no extra synchronisation. Hold time is timed on one acquisition in
``HOLD_SAMPLE_EVERY`` and scaled: a clock read costs ~75 ns on this machine, and timing every
uncontended acquisition would double the cost of the fast path (see benchmarks/locks.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HOLD_SAMPLE_EVERY = 16  # power of two; the fast path tests ``count & (N - 1)``
HISTOGRAM_BUCKETS = 24  # bucket i: wait < 2**i microseconds (bucket 0: < 1 us)


def histogram_bucket(wait_ns: int) -> int:
    return min(HISTOGRAM_BUCKETS - 1, (wait_ns >> 10).bit_length())


@dataclass
class LockStats:
    """Mutable counters for one side (exclusive or shared) of one lock."""

    acquisitions: int = 0
    contended: int = 0
    wait_total_ns: int = 0
    wait_max_ns: int = 0
    hold_sampled_ns: int = 0
    hold_samples: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * HISTOGRAM_BUCKETS)
    # Go's two views of the same delay: charged to the waiter's operation (block profile)
    # and to the operation that unlocked while it waited (mutex profile).
    wait_by_op: dict[int, list[int]] = field(default_factory=dict)
    delay_by_unlocker_op: dict[int, list[int]] = field(default_factory=dict)

    def record_wait(self, wait_ns: int, waiter_op: int, unlocker_op: int) -> None:
        self.contended += 1
        self.wait_total_ns += wait_ns
        if wait_ns > self.wait_max_ns:
            self.wait_max_ns = wait_ns
        self.histogram[histogram_bucket(wait_ns)] += 1
        _charge(self.wait_by_op, waiter_op, wait_ns)
        _charge(self.delay_by_unlocker_op, unlocker_op, wait_ns)

    def hold_total_ns(self) -> int:
        """Estimated total hold time: mean of the timed holds x acquisitions."""
        if not self.hold_samples:
            return 0
        return self.hold_sampled_ns * self.acquisitions // self.hold_samples

    def snapshot(self) -> dict[str, Any]:
        """Plain data (JSON- and pickle-friendly), for reports and other processes."""
        return {
            "acquisitions": self.acquisitions,
            "contended": self.contended,
            "wait_total_ns": self.wait_total_ns,
            "wait_max_ns": self.wait_max_ns,
            "hold_total_ns": self.hold_total_ns(),
            "hold_samples": self.hold_samples,
            "wait_histogram": list(self.histogram),
            "wait_by_op": {str(k): list(v) for k, v in sorted(self.wait_by_op.items())},
            "delay_by_unlocker_op": {
                str(k): list(v) for k, v in sorted(self.delay_by_unlocker_op.items())
            },
        }


def _charge(table: dict[int, list[int]], op: int, wait_ns: int) -> None:
    entry = table.get(op)
    if entry is None:
        table[op] = [1, wait_ns]
    else:
        entry[0] += 1
        entry[1] += wait_ns
