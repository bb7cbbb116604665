"""``Labels.hash`` takes the layout as a ``HashLayout`` or its string value."""

from __future__ import annotations

import pytest
import xxhash

from lsim.labels import HashLayout, Labels, hash_layout

LABELS = Labels.from_strings("__name__", "up", "job", "node", "instance", "a:9100")
STRINGLABELS = b"\x08__name__\x02up\x08instance\x06a:9100\x03job\x04node"  # sorted, length-prefixed
SLICELABELS = b"__name__\xffup\xffinstance\xffa:9100\xffjob\xffnode\xff"


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        (HashLayout.STRINGLABELS, STRINGLABELS),
        ("stringlabels", STRINGLABELS),
        (HashLayout.SLICELABELS, SLICELABELS),
        ("slicelabels", SLICELABELS),
    ],
)
def test_enum_and_string_give_the_same_bytes_and_hash(layout: str, expected: bytes) -> None:
    assert LABELS.encode(layout) == expected
    assert LABELS.hash(layout) == xxhash.xxh64_intdigest(expected)


def test_a_string_first_does_not_poison_the_cache() -> None:
    fresh = Labels.from_strings("job", "x")
    by_string = fresh.hash("stringlabels")  # was: the slicelabels hash, cached for both
    assert by_string == fresh.hash(HashLayout.STRINGLABELS) != fresh.hash("slicelabels")
    assert fresh.hash() == by_string  # the default is stringlabels


def test_unknown_layout_raises_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown label layout 'string'; known: stringlabels"):
        LABELS.hash("string")
    with pytest.raises(ValueError, match="unknown label layout"):
        hash_layout("StringLabels")
    assert hash_layout("slicelabels") is HashLayout.SLICELABELS
