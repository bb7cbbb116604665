"""A minimal protocol-buffers writer (proto3 wire format), standard library only.

pprof's ``profile.proto`` needs only three wire types: varint (0) for integers, enums and
bools, length-delimited (2) for strings, nested messages and packed repeated integers.
Negative ``int64`` values are encoded as ten-byte two's complement varints, as proto3 does
for ``int64`` (not zig-zag, which is only for ``sint64``). Zero-valued scalar fields are
omitted, the proto3 default, which keeps the output identical to what protoc would write.
"""

from __future__ import annotations

from collections.abc import Iterable

VARINT = 0
LENGTH_DELIMITED = 2
_UINT64_MASK = (1 << 64) - 1


def varint(value: int) -> bytes:
    """Base-128 varint of ``value`` (negative values as 64-bit two's complement)."""
    if value < 0:
        value &= _UINT64_MASK
    if value > _UINT64_MASK:
        raise ValueError(f"varint out of 64-bit range: {value}")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def tag(field_number: int, wire_type: int) -> bytes:
    return varint((field_number << 3) | wire_type)


class Message:
    """Accumulates the encoded fields of one message, in the order they are added."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def integer(self, field_number: int, value: int) -> Message:
        """An ``int64``/``uint64``/``bool`` field; skipped when zero (proto3 default)."""
        if value:
            self._buf += tag(field_number, VARINT) + varint(int(value))
        return self

    def blob(self, field_number: int, data: bytes, *, keep_empty: bool = False) -> Message:
        """A length-delimited field: raw bytes, an encoded message or a packed list."""
        if data or keep_empty:
            self._buf += tag(field_number, LENGTH_DELIMITED) + varint(len(data)) + data
        return self

    def string(self, field_number: int, text: str, *, keep_empty: bool = False) -> Message:
        """A ``string`` field. Repeated strings must keep empty ones (``keep_empty``) or
        the string table shifts: pprof requires ``string_table[0] == ""``."""
        return self.blob(field_number, text.encode("utf-8"), keep_empty=keep_empty)

    def message(self, field_number: int, child: Message, *, keep_empty: bool = False) -> Message:
        return self.blob(field_number, child.encode(), keep_empty=keep_empty)

    def packed(self, field_number: int, values: Iterable[int]) -> Message:
        """A packed ``repeated`` integer field (the proto3 default encoding)."""
        return self.blob(field_number, b"".join(varint(v) for v in values))

    def encode(self) -> bytes:
        return bytes(self._buf)
