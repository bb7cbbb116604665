"""Benchstat-style statistics on repetitions: Mann-Whitney U and a bootstrap ratio interval.

Two designs differ only when a Mann-Whitney U test (two-sided, exact for small samples
without ties, as scipy computes it) gives ``p < ALPHA``; the size of the difference is the
ratio of medians with a percentile bootstrap confidence interval (each side resampled with
replacement, a fixed seed so the same runs give the same interval).
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

ALPHA = 0.05
CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 2_000
BOOTSTRAP_SEED = 11
MIN_N = 4  # with 3 and 3 runs the smallest two-sided p is 0.1: no verdict is possible


@dataclass(frozen=True)
class Comparison:
    """``a`` against ``b``: the test's p, the median ratio a/b and its interval."""

    n_a: int
    n_b: int
    p: float
    ratio: float | None  # median(a) / median(b); None when median(b) is 0
    ci: tuple[float, float] | None

    @property
    def significant(self) -> bool:
        return self.p < ALPHA


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p of the Mann-Whitney U test (1.0 when every value is the same)."""
    if len(set(a) | set(b)) == 1:
        return 1.0
    from scipy.stats import mannwhitneyu  # type: ignore[import-untyped]

    return float(mannwhitneyu(list(a), list(b), alternative="two-sided").pvalue)


def bootstrap_ratio_ci(
    a: Sequence[float],
    b: Sequence[float],
    confidence: float = CONFIDENCE,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of median(a)/median(b); None if b's median can be 0."""
    rng = random.Random(seed)
    ratios: list[float] = []
    for _ in range(resamples):
        mb = statistics.median(rng.choices(b, k=len(b)))
        if mb == 0:
            return None
        ratios.append(statistics.median(rng.choices(a, k=len(a))) / mb)
    ratios.sort()
    tail = (1 - confidence) / 2
    low = ratios[int(tail * (resamples - 1))]
    high = ratios[int(round((1 - tail) * (resamples - 1)))]
    return low, high


def compare(a: Sequence[float], b: Sequence[float]) -> Comparison:
    mb = statistics.median(b)
    return Comparison(
        n_a=len(a),
        n_b=len(b),
        p=mann_whitney_p(a, b),
        ratio=statistics.median(a) / mb if mb else None,
        ci=bootstrap_ratio_ci(a, b) if mb else None,
    )


def describe(c: Comparison) -> str:
    """'n=5+5, p=0.008, median ratio 2.31x (95% CI 2.10x-2.55x)'."""
    text = f"n={c.n_a}+{c.n_b}, p={c.p:.3g}"
    if c.ratio is not None:
        text += f", median ratio {c.ratio:.2f}x"
        if c.ci is not None:
            text += f" ({CONFIDENCE:.0%} CI {c.ci[0]:.2f}x-{c.ci[1]:.2f}x)"
    return text
