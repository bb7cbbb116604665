"""A tiny protobuf READER for tests, written independently of lsim's writer.

It decodes wire format generically (tag -> list of raw values) and then maps pprof's
``profile.proto`` field numbers onto a plain :class:`PprofProfile`, so tests can check the
writer's output without trusting the writer's own code.
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from dataclasses import dataclass, field

Fields = dict[int, list[int | bytes]]


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise ValueError("varint too long")


def parse(buf: bytes) -> Fields:
    """All fields of one message: varints as int, length-delimited as bytes."""
    out: Fields = defaultdict(list)
    pos = 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ValueError("field number 0")
        if wire == 0:
            value, pos = read_varint(buf, pos)
            out[number].append(value)
        elif wire == 2:
            length, pos = read_varint(buf, pos)
            if pos + length > len(buf):
                raise ValueError("truncated length-delimited field")
            out[number].append(buf[pos : pos + length])
            pos += length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            out[number].append(int.from_bytes(buf[pos : pos + size], "little"))
            pos += size
        else:
            raise ValueError(f"unsupported wire type {wire}")
    return dict(out)


def signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def ints(fields: Fields, number: int) -> list[int]:
    """A repeated integer field, packed or not."""
    values: list[int] = []
    for raw in fields.get(number, []):
        if isinstance(raw, bytes):
            pos = 0
            while pos < len(raw):
                v, pos = read_varint(raw, pos)
                values.append(signed(v))
        else:
            values.append(signed(raw))
    return values


def one(fields: Fields, number: int) -> int:
    values = ints(fields, number)
    return values[-1] if values else 0


def messages(fields: Fields, number: int) -> list[Fields]:
    return [parse(raw) for raw in fields.get(number, []) if isinstance(raw, bytes)]


@dataclass
class PprofProfile:
    strings: list[str]
    sample_types: list[tuple[str, str]]
    samples: list[tuple[list[int], list[int], dict[str, str]]]
    locations: dict[int, tuple[int, int, list[tuple[int, int]]]]  # id -> mapping, addr, lines
    functions: dict[int, tuple[str, str, str]]  # id -> name, system name, file
    mappings: dict[int, tuple[int, int, str]]  # id -> start, limit, file
    period_type: tuple[str, str]
    period: int
    time_nanos: int
    duration_nanos: int
    comments: list[str] = field(default_factory=list)

    def stack(self, location_ids: list[int]) -> list[str]:
        """Function names of a sample, leaf first."""
        return [self.functions[fn][0] for loc in location_ids for fn, _ in self.locations[loc][2]]


def read_pprof(data: bytes) -> PprofProfile:
    top = parse(gzip.decompress(data))
    strings = [s.decode("utf-8") for s in top.get(6, []) if isinstance(s, bytes)]

    def s(index: int) -> str:
        return strings[index]

    def vtype(f: Fields) -> tuple[str, str]:
        return s(one(f, 1)), s(one(f, 2))

    samples = []
    for m in messages(top, 2):
        labels = {s(one(lab, 1)): s(one(lab, 2)) for lab in messages(m, 3)}
        samples.append((ints(m, 1), ints(m, 2), labels))
    locations = {
        one(m, 1): (one(m, 2), one(m, 3), [(one(ln, 1), one(ln, 2)) for ln in messages(m, 4)])
        for m in messages(top, 4)
    }
    functions = {one(m, 1): (s(one(m, 2)), s(one(m, 3)), s(one(m, 4))) for m in messages(top, 5)}
    mappings = {one(m, 1): (one(m, 2), one(m, 3), s(one(m, 5))) for m in messages(top, 3)}
    period = messages(top, 11)
    return PprofProfile(
        strings=strings,
        sample_types=[vtype(m) for m in messages(top, 1)],
        samples=samples,
        locations=locations,
        functions=functions,
        mappings=mappings,
        period_type=vtype(period[0]) if period else ("", ""),
        period=one(top, 12),
        time_nanos=one(top, 9),
        duration_nanos=one(top, 10),
        comments=[s(i) for i in ints(top, 13)],
    )
