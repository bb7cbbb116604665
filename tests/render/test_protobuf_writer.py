"""The protobuf writer, checked against the independent test reader."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lsim.render.protobuf import Message, varint
from tests.render.protoread import ints, parse, read_varint


def test_known_varints() -> None:
    assert varint(0) == b"\x00"
    assert varint(1) == b"\x01"
    assert varint(300) == b"\xac\x02"
    assert varint(-1) == b"\xff" * 9 + b"\x01"  # int64 -1: ten bytes, two's complement


@given(st.integers(-(2**63), 2**64 - 1))
def test_varint_round_trip(value: int) -> None:
    decoded, end = read_varint(varint(value), 0)
    assert end == len(varint(value))
    assert decoded == value % 2**64


def test_message_fields() -> None:
    child = Message().integer(1, 7).string(2, "x")
    msg = (
        Message()
        .integer(1, 0)
        .integer(2, 5)
        .string(3, "", keep_empty=True)
        .string(4, "")
        .message(5, child)
        .packed(6, [1, 300, -2])
    )
    fields = parse(msg.encode())
    assert 1 not in fields and 4 not in fields  # zero / empty: proto3 defaults are omitted
    assert fields[2] == [5]
    assert fields[3] == [b""]
    sub = fields[5][0]
    assert isinstance(sub, bytes) and parse(sub) == {1: [7], 2: [b"x"]}
    assert ints(fields, 6) == [1, 300, -2]
