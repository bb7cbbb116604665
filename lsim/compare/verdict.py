"""The one-line verdict under the table: who wins, by how much, or that it is within noise.

As benchstat does: a win is claimed only when a Mann-Whitney U test on the repetitions gives
p < 0.05 (``lsim.compare.stats``); the sentence prints n, p and the bootstrap confidence
interval of the median ratio. Anything weaker is "within noise" -- except separate ranges
with fewer runs than the test needs, which are no verdict at all -- and one repetition per
design has no spread to judge. Spreads without their values (built by hand) fall back to
the older rule: the min-max ranges do not overlap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lsim.compare.aggregate import Spread
from lsim.compare.stats import ALPHA, MIN_N, Comparison, compare, describe


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool
    fmt: Callable[[float], str]
    unit: str = ""


THROUGHPUT = Metric("throughput", True, lambda v: f"{v:,.0f}", " ops/s")
BLOCKED = Metric("blocked share", False, lambda v: f"{v:.1%}")


@dataclass(frozen=True)
class Verdict:
    kind: str  # "win" | "within-noise" | "too-few" | "no-spread" | "single" | "noisy" (report.py)
    metric: str
    best: str | None
    runner_up: str | None
    lines: tuple[str, ...]
    p: float | None = None  # Mann-Whitney U, best against the runner-up
    ratio_ci: tuple[float, float] | None = None  # bootstrap CI of the median ratio

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def judge(
    contenders: Sequence[tuple[str, Spread]],
    metric: Metric = THROUGHPUT,
    reference: str | None = None,
) -> Verdict:
    """Rank ``(label, spread)`` by median and judge the best against the runner-up.

    ``reference`` (usually ``mutex``) gets a second sentence when it is neither of the two.
    """
    if len(contenders) < 2:
        only = contenders[0][0] if contenders else None
        return Verdict(
            "single", metric.name, only, None, ("Only one design measured: nothing to compare.",)
        )
    values = {x for _, spread in contenders for x in (spread.low, spread.high)}
    if len(values) == 1:  # e.g. nobody ever blocked: there is nothing to rank
        return Verdict(
            "within-noise",
            metric.name,
            None,
            None,
            (
                f"Every run of every design measured the same {metric.name} "
                f"({metric.fmt(values.pop())}{metric.unit}): nothing separates them here.",
            ),
        )
    sign = -1.0 if metric.higher_is_better else 1.0
    ranked = sorted(contenders, key=lambda c: sign * c[1].median)
    (best, b), (second, s) = ranked[0], ranked[1]
    single = [label for label, spread in contenders if spread.n < 2]
    if single:
        which = (
            "one repetition per design"
            if len(single) == len(contenders)
            else f"a single finished repetition of {', '.join(single)}"
        )
        line = (
            f"{best} has the best median {metric.name} ({_value(metric, b)}), but with "
            f"{which} there is no spread to judge (that takes 2 or more finished "
            "repetitions per design, e.g. --repeat 3)."
        )
        return Verdict("no-spread", metric.name, best, second, (line,))
    test = _test(b, s)
    if test is not None:
        return _tested(metric, contenders, reference, (best, b), (second, s), test)
    if b.overlaps(s):
        lines = [
            f"{best} and {second} are within noise on {metric.name}: ranges "
            f"{_range(metric, b)} and {_range(metric, s)} overlap."
        ]
        kind = "within-noise"
    else:
        lines = [
            f"{best} wins on this workload: {_how_much(metric, b, s)} {second}, the "
            f"runner-up (ranges {_range(metric, b)} and {_range(metric, s)} do not "
            "overlap)."
        ]
        kind = "win"
    ref = dict(contenders).get(reference) if reference else None
    if ref is not None and reference not in (best, second):
        noise = "within noise" if b.overlaps(ref) else "ranges do not overlap"
        lines.append(f"Against {reference}: {_how_much(metric, b, ref)} {reference} ({noise}).")
    return Verdict(kind, metric.name, best, second, tuple(lines))


def _test(a: Spread, b: Spread) -> Comparison | None:
    return compare(a.values, b.values) if a.values and b.values else None


def _tested(
    metric: Metric,
    contenders: Sequence[tuple[str, Spread]],
    reference: str | None,
    first: tuple[str, Spread],
    runner: tuple[str, Spread],
    test: Comparison,
) -> Verdict:
    (best, b), (second, s) = first, runner
    stats = f"Mann-Whitney U {describe(test)}"
    if test.significant:
        kind = "win"
        lines = [
            f"{best} wins on this workload: {_how_much(metric, b, s)} {second}, the "
            f"runner-up ({stats})."
        ]
    elif min(test.n_a, test.n_b) < MIN_N and not b.overlaps(s):
        # the test could not have said "different" at this n, so it has not said "same"
        # either: separate ranges with too few runs are no verdict, not "within noise"
        kind = "too-few"
        lines = [
            f"No verdict: {best} leads {second} on {metric.name} ({stats}), but under "
            f"{MIN_N} runs per design no test can reach p < {ALPHA:g} (--repeat 5; noisy "
            "runs do not count)."
        ]
    else:
        kind = "within-noise"
        why = f"p >= {ALPHA:g}"
        if min(test.n_a, test.n_b) < MIN_N:
            why += f"; under {MIN_N} runs per design the test cannot reach it (--repeat 5)"
        lines = [f"{best} and {second} are within noise on {metric.name} ({stats}; {why})."]
    ref = dict(contenders).get(reference) if reference else None
    if ref is not None and reference not in (best, second):
        against = _test(b, ref)
        noise = (
            "within noise"
            if against is None or not against.significant
            else f"p={against.p:.3g}, n={against.n_a}+{against.n_b}"
        )
        lines.append(f"Against {reference}: {_how_much(metric, b, ref)} {reference} ({noise}).")
    return Verdict(kind, metric.name, best, second, tuple(lines), test.p, test.ci)


def _value(metric: Metric, spread: Spread) -> str:
    return f"{metric.fmt(spread.median)}{metric.unit}"


def _range(metric: Metric, spread: Spread) -> str:
    return f"{metric.fmt(spread.low)}-{metric.fmt(spread.high)}{metric.unit}"


def _how_much(metric: Metric, better: Spread, worse: Spread) -> str:
    """'2.31x the throughput of' / 'blocked share 3.1% vs 12.0% (-74%) for', by medians."""
    if metric.higher_is_better:
        if worse.median <= 0:
            return f"{_value(metric, better)} against 0 for"
        return f"{better.median / worse.median:.2f}x the median {metric.name} of"
    change = f" ({better.median / worse.median - 1:+.0%})" if worse.median > 0 else ""
    return f"median {metric.name} {_value(metric, better)} vs {_value(metric, worse)}{change} for"


def choose_metric(regimes: Sequence[str]) -> tuple[Metric, str | None]:
    """Throughput, unless no run saturated: then throughput is just the offered load.

    Below saturation every design delivers what the paced threads ask for, so throughput
    cannot separate them and the census (blocked share, lower is better) does (DESIGN.md §5).
    """
    if regimes and all(r == "below-saturation" for r in regimes):
        return BLOCKED, (
            "Every run was below saturation: throughput is the offered load, so "
            "the verdict compares blocked shares."
        )
    return THROUGHPUT, None
