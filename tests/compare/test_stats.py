from __future__ import annotations

import pytest

from lsim.compare.stats import ALPHA, bootstrap_ratio_ci, compare, describe, mann_whitney_p


def test_separated_samples_of_five_are_significant() -> None:
    p = mann_whitney_p([10, 11, 12, 13, 14], [20, 21, 22, 23, 24])
    assert p == pytest.approx(2 / 252)  # exact: the most extreme of C(10,5) orderings, twice
    assert p < ALPHA


def test_three_against_three_can_never_be_significant() -> None:
    assert mann_whitney_p([1, 2, 3], [10, 11, 12]) == pytest.approx(0.1)


def test_interleaved_samples_are_not() -> None:
    assert mann_whitney_p([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]) > 0.5
    assert mann_whitney_p([5, 5, 5], [5, 5, 5]) == 1.0


def test_bootstrap_interval_holds_the_ratio_and_is_reproducible() -> None:
    a, b = [200, 210, 190, 205, 195], [100, 104, 96, 102, 98]
    ci = bootstrap_ratio_ci(a, b)
    assert ci is not None and ci[0] <= 2.0 <= ci[1]
    assert ci == bootstrap_ratio_ci(a, b)
    assert bootstrap_ratio_ci(a, [0, 0, 0]) is None


def test_describe_prints_n_p_and_interval() -> None:
    c = compare([200, 210, 190, 205, 195], [100, 104, 96, 102, 98])
    assert c.significant and c.ratio == pytest.approx(2.0)
    text = describe(c)
    assert text.startswith("n=5+5, p=0.00794") and "median ratio 2.00x (95% CI" in text
