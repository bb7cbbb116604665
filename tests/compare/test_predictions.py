from __future__ import annotations

import pytest

from lsim.compare.predictions import predicted_reduction
from lsim.stores import STORE_NAMES


@pytest.mark.parametrize(
    ("store", "shards", "low", "high"),
    [
        ("mutex", None, 0.0, 0.0),
        ("rwmutex", None, 0.40, 0.40),
        ("finegrained", None, 0.50, 0.60),
        ("sharded", 32, 0.96, 0.96),
        ("sharded", 64, 0.98, 0.98),
        ("syncmap", None, 0.30, 0.50),
        ("percomponent", None, 0.20, 0.40),
        ("lockfree", None, 0.80, 0.95),
    ],
)
def test_the_documents_table(store: str, shards: int | None, low: float, high: float) -> None:
    p = predicted_reduction(store, shards)
    assert p is not None and (p.low, p.high) == (low, high)
    assert p.section and p.quote


def test_every_design_has_a_prediction() -> None:
    for name in STORE_NAMES:
        assert predicted_reduction(name, 8 if name == "sharded" else None) is not None


def test_other_shard_counts_follow_the_documents_arithmetic() -> None:
    p = predicted_reduction("sharded", 4)
    assert p is not None and p.low == 0.75 and "derived" in p.quote
    one = predicted_reduction("sharded", 1)
    assert one is not None and one.low == 0.0
    assert predicted_reduction("sharded", None) is None
    assert p.contains(0.75) and not p.contains(0.8)
