"""Shared helpers: apportioning, percentiles, number formats, text tables."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lsim.render.base import apportion, duration_ns, percentile, text_table, thousands


def test_apportion_keeps_the_total_and_rounds_each_share_up_or_down() -> None:
    weights = {"a": 4.8, "b": 4.0, "c": 0.5, "d": 2.7}
    counts = apportion(weights, 12)
    assert sum(counts.values()) == 12
    assert counts == {"a": 5, "b": 4, "c": 0, "d": 3}


@given(st.dictionaries(st.integers(0, 50), st.floats(0, 1e6), max_size=30), st.integers(0, 5000))
def test_apportion_properties(weights: dict[int, float], total: int) -> None:
    counts = apportion(weights, total)
    assert set(counts) == set(weights)
    mass = sum(weights.values())
    if mass <= 0 or total <= 0:
        assert all(c == 0 for c in counts.values())
        return
    assert sum(counts.values()) == total
    for key, weight in weights.items():
        exact = weight * total / mass
        assert exact - 1 < counts[key] < exact + 1


def test_percentile_is_nearest_rank() -> None:
    values = [12, 0, 11, 10, 12, 9, 11, 10, 9, 9]
    assert percentile(values, 10) == 0
    assert percentile(values, 50) == 10
    assert percentile(values, 90) == 12
    assert percentile(values, 100) == 12
    assert percentile([], 50) == 0.0
    assert percentile([5], 0) == 5


def test_formats() -> None:
    assert thousands(1901.4) == "1,901"
    assert [duration_ns(v) for v in (850, 12_345, 4_560_000, 1.23e9, 750e9)] == [
        "850ns",
        "12.3µs",
        "4.56ms",
        "1.23s",
        "750s",
    ]
    assert duration_ns(999_999) == "1000µs"


def test_text_table_aligns_first_column_left_rest_right() -> None:
    lines = text_table(["op", "n"], [["GetLocalRefID", "5"], ["X", "1,234"]])
    assert lines == ["  op                 n", "  GetLocalRefID      5", "  X              1,234"]
