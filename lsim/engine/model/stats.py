"""Latency of store calls in virtual time, kept as log-scale histograms.

A simulated run completes millions of calls; keeping every latency would cost more memory
than the simulation. Each octave is split into 16 buckets, so a percentile read back from
the histogram is within ~4% of the exact value, which is far below the model's own error.
"""

from __future__ import annotations

from typing import Final

from lsim.sync.states import Operation
from lsim.sync.stats import HISTOGRAM_BUCKETS

_SUB: Final = 16  # buckets per octave (Final: a constant when compiled)
_SUB_BITS: Final = 4


def bucket_of(ns: int) -> int:
    """Values below 32 ns get their own bucket; above, 16 per power of two."""
    if ns < 32:
        return ns
    bits = ns.bit_length()
    return bits * _SUB + ((ns >> (bits - _SUB_BITS - 1)) & (_SUB - 1))


def bucket_value(bucket: int) -> int:
    """A representative value of ``bucket`` (its midpoint)."""
    if bucket < 32:
        return bucket
    bits, sub = divmod(bucket, _SUB)
    low = (_SUB + sub) << (bits - _SUB_BITS - 1)
    width = 1 << (bits - _SUB_BITS - 1)
    return low + width // 2


class OpStats:
    """Per operation (indexed by the Operation's int): calls, latency histogram, maximum.

    The event loop updates these lists inline (see ``Sim._step``), so they are plain lists.
    """

    __slots__ = ("count", "hist", "max_ns")

    def __init__(self) -> None:
        n = len(Operation)
        self.count = [0] * n
        self.hist: list[dict[int, int]] = [{} for _ in range(n)]
        self.max_ns = [0] * n

    def record(self, op: int, ns: int) -> None:
        self.count[op] += 1
        b = ns if ns < 32 else bucket_of(ns)
        h = self.hist[op]
        h[b] = h.get(b, 0) + 1
        if ns > self.max_ns[op]:
            self.max_ns[op] = ns

    def operations(self) -> list[int]:
        return [op for op, n in enumerate(self.count) if n]

    def percentile(self, op: int, q: float) -> int:
        h = self.hist[op]
        if not h:
            return 0
        target = q * self.count[op]
        seen = 0
        for b in sorted(h):
            seen += h[b]
            if seen >= target:
                return min(bucket_value(b), self.max_ns[op])
        return self.max_ns[op]

    def coarse_histogram(self, op: int) -> list[int]:
        """Go-style buckets (bucket i: < 2**i microseconds), as the profile stores them."""
        out = [0] * HISTOGRAM_BUCKETS
        for b, n in self.hist[op].items():
            ns = bucket_value(b)
            out[min(HISTOGRAM_BUCKETS - 1, (ns >> 10).bit_length())] += n
        return out


def latency_summary(hist: dict[int, int]) -> dict[str, float | int | bool]:
    """A wait histogram of :func:`bucket_of` buckets as Go's ``sched_latency`` block reads
    (PROTOCOL.md of the go engine): count, mean, p50/p90/p99 in seconds, share >= 1 ms."""
    count = sum(hist.values())
    out: dict[str, float | int | bool] = {"available": True, "count": count}
    if not count:
        return out
    ordered = sorted(hist.items())
    total_ns = sum(bucket_value(b) * n for b, n in ordered)
    over = sum(n for b, n in ordered if bucket_value(b) >= 1_000_000)

    def quantile(q: float) -> float:
        target, seen = q * count, 0
        for b, n in ordered:
            seen += n
            if seen >= target:
                return bucket_value(b) / 1e9
        return bucket_value(ordered[-1][0]) / 1e9

    out.update(mean_s=total_ns / count / 1e9, p50_s=quantile(0.50), p90_s=quantile(0.90),
               p99_s=quantile(0.99), over_1ms_share=over / count)  # fmt: skip
    return out
