from __future__ import annotations

from lsim.compare.aggregate import Spread
from lsim.compare.verdict import BLOCKED, THROUGHPUT, choose_metric, judge


def s(*values: float) -> Spread:
    return Spread.of(values)


def test_win_only_when_the_test_says_so() -> None:
    v = judge(
        [
            ("mutex", s(900, 950, 1000, 1050, 1100)),
            ("sharded-64", s(2400, 2450, 2500, 2550, 2600)),
            ("rwmutex", s(950, 975, 1000, 1025, 1050)),
        ],
        THROUGHPUT,
        reference="mutex",
    )
    assert v.kind == "win" and v.best == "sharded-64" and v.runner_up in ("mutex", "rwmutex")
    assert "sharded-64 wins" in v.text and "2.50x" in v.text
    assert "Mann-Whitney U n=5+5, p=0.00794" in v.text and "95% CI" in v.text
    assert v.p is not None and v.p < 0.05 and v.ratio_ci is not None


def test_three_runs_each_cannot_give_a_verdict() -> None:
    v = judge([("mutex", s(900, 1000, 1100)), ("sharded-64", s(2400, 2500, 2600))], THROUGHPUT)
    assert v.kind == "too-few" and "p=0.1" in v.text and "--repeat 5" in v.text
    assert v.text.startswith("No verdict:") and "within noise" not in v.text


def test_hand_built_spreads_fall_back_to_ranges() -> None:
    v = judge([("a", Spread(1.0, 0.5, 1.5, 3)), ("b", Spread(5.0, 4.0, 6.0, 3))], THROUGHPUT)
    assert v.kind == "win" and "do not overlap" in v.text and v.p is None


def test_overlapping_spreads_are_within_noise() -> None:
    v = judge([("mutex", s(900, 1000, 1100)), ("sharded-64", s(1050, 1150, 1300))], THROUGHPUT)
    assert v.kind == "within-noise" and v.best == "sharded-64"
    assert "within noise" in v.text and "wins" not in v.text


def test_touching_ranges_count_as_overlap() -> None:
    v = judge([("a", s(1, 2)), ("b", s(2, 3))], THROUGHPUT)
    assert v.kind == "within-noise"


def test_reference_gets_its_own_sentence() -> None:
    v = judge(
        [
            ("mutex", s(100, 105, 110, 108)),
            ("sharded-32", s(300, 320, 310, 315)),
            ("sharded-64", s(305, 330, 312, 318)),
        ],
        THROUGHPUT,
        reference="mutex",
    )
    assert v.kind == "within-noise"  # the two sharded rows overlap each other
    assert v.lines[1].startswith("Against mutex:") and "p=0.0286, n=4+4" in v.lines[1]


def test_one_repetition_has_no_spread_to_judge() -> None:
    v = judge([("mutex", s(100)), ("sharded-64", s(300))], THROUGHPUT)
    assert v.kind == "no-spread" and "no spread to judge" in v.text
    assert v.best == "sharded-64"
    partial = judge([("mutex", s(100, 120)), ("sharded-64", s(300))], THROUGHPUT)
    assert partial.kind == "no-spread" and "sharded-64" in partial.text


def test_single_design() -> None:
    assert judge([("mutex", s(1, 2))]).kind == "single"
    assert judge([]).kind == "single"


def test_lower_is_better_for_blocked_share() -> None:
    v = judge(
        [
            ("mutex", s(0.80, 0.82, 0.85, 0.88, 0.9)),
            ("sharded-64", s(0.02, 0.025, 0.03, 0.04, 0.05)),
        ],
        BLOCKED,
    )
    assert v.kind == "win" and v.best == "sharded-64"
    assert "3.0% vs 85.0%" in v.text and "-96%" in v.text


def test_zero_throughput_does_not_divide_by_zero() -> None:
    v = judge([("a", s(0, 0, 0, 0)), ("b", s(5, 6, 5, 7))], THROUGHPUT)
    assert v.kind == "win" and "against 0" in v.text


def test_metric_choice_follows_the_regime() -> None:
    assert choose_metric(["below-saturation", "below-saturation"])[0] is BLOCKED
    assert choose_metric(["below-saturation", "saturated"]) == (THROUGHPUT, None)
    assert choose_metric([])[0] is THROUGHPUT


def test_identical_measurements_name_no_winner() -> None:
    v = judge([("mutex", s(0, 0)), ("sharded-4", s(0, 0))], BLOCKED)
    assert v.kind == "within-noise" and v.best is None and "0.0%" in v.text
