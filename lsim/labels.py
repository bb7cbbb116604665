"""Prometheus label sets and their 64-bit hash.

Two byte layouts exist in Prometheus, and the store is keyed by the hash alone, so the layout
decides which label sets collide:

* ``stringlabels`` (default since Prometheus 3.5 / Alloy 1.13): for each label sorted by
  name, a length prefix + name + length prefix + value, no separators. The length prefix is
  one byte when the length is < 255, else ``0xFF`` followed by 3 bytes little-endian.
* ``slicelabels`` (older): ``name 0xFF value 0xFF`` per label.

Both are hashed with XXH64, seed 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum

import xxhash

_SEP = b"\xff"


class HashLayout(StrEnum):
    """Which Prometheus byte layout the label hash is computed over."""

    STRINGLABELS = "stringlabels"
    SLICELABELS = "slicelabels"


def hash_layout(layout: HashLayout | str) -> HashLayout:
    """``layout`` as a :class:`HashLayout`; an unknown name raises, naming the known ones."""
    try:
        return HashLayout(layout)
    except ValueError:
        known = ", ".join(m.value for m in HashLayout)
        raise ValueError(f"unknown label layout {layout!r}; known: {known}") from None


def _length_prefix(n: int) -> bytes:
    if n < 255:
        return bytes((n,))
    if n >= 1 << 24:
        raise ValueError(f"label string of {n} bytes is longer than stringlabels allows (16 MiB)")
    return b"\xff" + n.to_bytes(3, "little")


class Labels:
    """An immutable label set, sorted by label name (compared as UTF-8 bytes).

    Duplicate names are rejected, as Prometheus' ``labels.New`` callers must not pass them.
    """

    __slots__ = ("_pairs", "_encoded", "_layouts")

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        encoded = sorted((n.encode("utf-8"), v.encode("utf-8")) for n, v in pairs)
        for (a, _), (b, _) in zip(encoded, encoded[1:], strict=False):
            if a == b:
                raise ValueError(f"duplicate label name {a.decode('utf-8')!r}")
        self._encoded: tuple[tuple[bytes, bytes], ...] = tuple(encoded)
        self._pairs: tuple[tuple[str, str], ...] = tuple(
            (n.decode("utf-8"), v.decode("utf-8")) for n, v in encoded
        )
        self._layouts: dict[str, bytes] = {}  # keyed by HashLayout (a str)

    @classmethod
    def from_strings(cls, *name_values: str) -> Labels:
        """``Labels.from_strings("__name__", "up", "job", "x")``, like Go's labels.FromStrings."""
        if len(name_values) % 2:
            raise ValueError("from_strings needs an even number of arguments (name, value, ...)")
        it = iter(name_values)
        return cls(zip(it, it, strict=True))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str]) -> Labels:
        return cls(mapping.items())

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        return self._pairs

    def is_empty(self) -> bool:
        return not self._pairs

    def get(self, name: str, default: str = "") -> str:
        for n, v in self._pairs:
            if n == name:
                return v
        return default

    def encode(self, layout: HashLayout | str = HashLayout.STRINGLABELS) -> bytes:
        """The bytes Prometheus hashes for this label set in ``layout`` (cached).

        ``layout`` is a :class:`HashLayout` or its value (``"stringlabels"``, as a script or
        a workload file gives it); any other string raises ``ValueError``.
        """
        # A StrEnum member and its value hash and compare equal, so the cache answers both.
        cached = self._layouts.get(layout)
        if cached is not None:
            return cached
        layout = hash_layout(layout)
        parts: list[bytes] = []
        if layout is HashLayout.STRINGLABELS:
            for name, value in self._encoded:
                parts += (_length_prefix(len(name)), name, _length_prefix(len(value)), value)
        else:
            for name, value in self._encoded:
                parts += (name, _SEP, value, _SEP)
        encoded = b"".join(parts)
        self._layouts[layout] = encoded
        return encoded

    def hash(self, layout: HashLayout | str = HashLayout.STRINGLABELS) -> int:
        """XXH64 (seed 0) of :meth:`encode`.

        The byte layout is cached but the hash is computed on every call: the original store
        hashes inside its lock, and that cost belongs in the critical section we measure.
        """
        return xxhash.xxh64_intdigest(self.encode(layout))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Labels) and self._encoded == other._encoded

    def __hash__(self) -> int:
        return hash(self._encoded)

    def __repr__(self) -> str:
        inner = ", ".join(f'{n}="{v}"' for n, v in self._pairs)
        return "{" + inner + "}"


EMPTY_LABELS = Labels()
