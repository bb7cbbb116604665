from __future__ import annotations

import pytest

from lsim.compare.schedule import (
    Variant,
    compare_variants,
    interleave,
    parse_counts,
    parse_shards,
    parse_stores,
)
from lsim.errors import ConfigError
from lsim.stores import STORE_NAMES

A, B, C = Variant("mutex"), Variant("rwmutex"), Variant("sharded", 32)


def test_interleave_runs_every_design_once_per_round() -> None:
    plan = interleave([A, B, C], 3)
    assert [s.variant for s in plan] == [A, B, C, A, B, C, A, B, C]
    assert [s.repetition for s in plan] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert [s.index for s in plan] == list(range(9))
    assert {s.repeat for s in plan} == {3}


def test_interleave_never_runs_a_design_twice_in_a_row() -> None:
    plan = interleave([A, B], 4)
    assert all(x.variant != y.variant for x, y in zip(plan, plan[1:], strict=False))


def test_interleave_single_repetition_and_bad_repeat() -> None:
    assert [s.variant for s in interleave([A, B], 1)] == [A, B]
    with pytest.raises(ConfigError, match="--repeat"):
        interleave([A], 0)


def test_default_compare_is_eight_designs_with_sharded_at_32_and_64() -> None:
    variants = compare_variants(parse_stores(None), parse_shards(None))
    labels = [v.label for v in variants]
    assert labels == [
        "mutex",
        "rwmutex",
        "finegrained",
        "sharded-32",
        "sharded-64",
        "syncmap",
        "percomponent",
        "lockfree",
        "directfanout",
    ]


def test_parse_stores_rejects_unknown_with_the_allowed_list() -> None:
    with pytest.raises(ConfigError) as error:
        parse_stores("mutex,nosuch")
    assert "'nosuch'" in str(error.value)
    assert all(name in str(error.value) for name in STORE_NAMES)


def test_parse_stores_drops_duplicates_keeps_order() -> None:
    assert parse_stores("sharded, mutex,sharded") == ("sharded", "mutex")


def test_shards_without_sharded_is_an_error() -> None:
    with pytest.raises(ConfigError, match="add sharded"):
        compare_variants(("mutex",), (4,), shards_given=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("32,64", (32, 64)),
        ("1,2,4,...,256", (1, 2, 4, 8, 16, 32, 64, 128, 256)),
        ("100,1000,...,100000", (100, 1000, 10000, 100000)),
        ("1,3,...,20", (1, 3, 9, 20)),  # the stated end point is always included
        ("8, 8, 16", (8, 16)),
    ],
)
def test_parse_counts(text: str, expected: tuple[int, ...]) -> None:
    assert parse_counts(text, "--shards", 1, 1_000_000) == expected


@pytest.mark.parametrize("text", ["300", "0", "4,x", "1,...,8", "2,3,...,9", ""])
def test_parse_counts_errors_name_the_range(text: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_counts(text, "--shards", 1, 256)
    assert "--shards" in str(error.value)


def test_shards_300_lists_the_allowed_range() -> None:
    with pytest.raises(ConfigError, match=r"1\.\.256"):
        parse_shards("300")


def test_variant_labels() -> None:
    assert Variant("sharded", 64).design == "sharded-64"
    assert Variant("mutex", None, 500).label == "mutex @500"
    assert Variant("sharded", 8, 500).file_stem == "sharded-8-t500"
