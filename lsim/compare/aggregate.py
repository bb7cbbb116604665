"""Repeated runs of one variant -> median and min-max of each number the table shows.

The median rather than the mean: with three repetitions one disturbed run (a page-cache
miss, a neighbour's job) would drag a mean but not a median. Min-max rather than a standard
deviation: with n = 3 a deviation is not meaningful, while "every run fell in this range"
is exactly what the verdict needs to decide whether two designs can be told apart.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsim.compare.runner import Finished
from lsim.compare.schedule import Variant
from lsim.profile.model import Profile
from lsim.profile.report import census_summary

SATURATED = "saturated"
BELOW = "below-saturation"


@dataclass(frozen=True)
class Spread:
    """Median, minimum and maximum of ``n`` repeated measurements."""

    median: float
    low: float
    high: float
    n: int
    values: tuple[float, ...] = field(default=(), compare=False)  # the runs, for the tests

    @classmethod
    def of(cls, values: Iterable[float]) -> Spread:
        data = [float(v) for v in values]
        if not data:
            raise ValueError("Spread.of: no values")
        return cls(statistics.median(data), min(data), max(data), len(data), tuple(data))

    def overlaps(self, other: Spread) -> bool:
        return self.low <= other.high and other.low <= self.high


@dataclass
class Summary:
    """One variant aggregated over its finished repetitions."""

    variant: Variant
    runs: int
    threads: int  # the thread count the runs used (from their profiles)
    throughput: Spread  # ops/s over all operations
    blocked: Spread  # census: mean blocked threads / mean live threads, as `lsim run` prints
    blocked_by_op: dict[str, Spread]  # the same share, per operation (the dump's lines)
    p99_ns: dict[str, Spread]  # per operation, over the runs in which it ran
    calls: dict[str, int]  # operation -> calls summed over the runs (to pick hot operations)
    regimes: list[str]
    profiles: list[Path | None] = field(default_factory=list)

    @property
    def regime(self) -> str:
        """The regime every run agreed on, else ``mixed``."""
        kinds = set(self.regimes)
        return kinds.pop() if len(kinds) == 1 else "mixed"

    @property
    def regime_label(self) -> str:
        if self.regime != "mixed":
            return "saturated" if self.regime == SATURATED else "below saturation"
        saturated = sum(1 for r in self.regimes if r == SATURATED)
        return f"mixed ({saturated}/{len(self.regimes)} saturated)"


def blocked_shares(profile: Profile) -> tuple[float, dict[str, float]]:
    """Total and per-operation blocked share with the census' live threads as denominator."""
    census = census_summary(profile)
    live = float(census["threads"])
    by_op = {op: (n / live if live else 0.0) for op, n in profile.blocked_by_operation().items()}
    return float(census["blocked_share"]), by_op


def summarize_runs(variant: Variant, runs: Sequence[Finished]) -> Summary:
    profiles = [r.profile for r in runs]
    shares = [blocked_shares(p) for p in profiles]
    blocked_ops = sorted({op for _, by_op in shares for op in by_op})
    calls: Counter[str] = Counter()
    latencies: dict[str, list[int]] = {}
    for profile in profiles:
        for report in profile.operations:
            calls[report.operation] += report.count
            if report.count:
                latencies.setdefault(report.operation, []).append(report.p99_ns)
    return Summary(
        variant=variant,
        runs=len(runs),
        threads=profiles[0].threads,
        throughput=Spread.of(p.ops_per_s for p in profiles),
        blocked=Spread.of(total for total, _ in shares),
        # an operation nobody waited on in one run counts as 0 there, not as missing
        blocked_by_op={
            op: Spread.of(by_op.get(op, 0.0) for _, by_op in shares) for op in blocked_ops
        },
        p99_ns={op: Spread.of(values) for op, values in latencies.items()},
        calls=dict(calls),
        regimes=[p.regime for p in profiles],
        profiles=[r.path for r in runs],
    )


def summarize(finished: Sequence[Finished]) -> list[Summary]:
    """One summary per variant, in schedule order; variants with no finished run are absent."""
    by_variant: dict[Variant, list[Finished]] = {}
    for run in sorted(finished, key=lambda f: f.slot.index):
        by_variant.setdefault(run.slot.variant, []).append(run)
    return [summarize_runs(v, runs) for v, runs in by_variant.items()]


def hot_operations(
    summaries: Sequence[Summary], min_share: float = 0.10, limit: int = 3
) -> list[str]:
    """Operations that make up at least ``min_share`` of all calls, busiest first."""
    calls: Counter[str] = Counter()
    for summary in summaries:
        calls.update(summary.calls)
    total = sum(calls.values())
    if not total:  # nothing ran (a tiny or interrupted run): fall back to what was blocked
        blocked: Counter[str] = Counter()
        for summary in summaries:
            blocked.update({op: s.median for op, s in summary.blocked_by_op.items()})
        return [op for op, n in blocked.most_common(limit) if n > 0]
    ranked = [op for op, n in calls.most_common() if n / total >= min_share]
    return ranked[:limit] or [calls.most_common(1)[0][0]]
