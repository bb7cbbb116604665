"""What every renderer shares: the interface, number formatting, percentiles, apportioning.

A renderer turns one :class:`~lsim.profile.model.Profile` into text or bytes and never
prints; the CLI decides where the data goes. Options are given at construction so one
``render(profile)`` signature serves the registry, the CLI and the tests alike.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping, Sequence
from typing import ClassVar, TypeVar

from lsim.profile.model import Profile
from lsim.profile.report import percentile  # one definition, re-exported for renderers

__all__ = [
    "Renderer",
    "apportion",
    "duration_ns",
    "percent",
    "percentile",
    "text_table",
    "thousands",
]

K = TypeVar("K", bound=Hashable)


class Renderer(ABC):
    """One output format. Subclasses set the class attributes and implement ``render``."""

    name: ClassVar[str] = ""
    suffixes: ClassVar[tuple[str, ...]] = ()  # file suffixes this format claims
    binary: ClassVar[bool] = False  # render() returns bytes (write with "wb")
    # Engines whose profiles this format can render (None: every engine's).
    engines: ClassVar[tuple[str, ...] | None] = None

    def applies_to(self, profile: Profile) -> bool:
        return self.engines is None or profile.engine in self.engines

    @abstractmethod
    def render(self, profile: Profile) -> str | bytes:
        """The whole output for ``profile``."""


def thousands(value: float) -> str:
    """``1901.4`` -> ``"1,901"``: counts in the reference dump are grouped like this."""
    return f"{round(value):,}"


def percent(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.2f}%" if whole else "-"


def duration_ns(ns: float) -> str:
    """Go-like short durations (``850ns``, ``12.3µs``, ``4.56ms``, ``1.23s``)."""
    if ns < 1_000:
        return f"{ns:.0f}ns"
    for unit, scale in (("µs", 1e3), ("ms", 1e6)):
        if ns < scale * 1_000:
            return f"{ns / scale:.3g}{unit}" if ns < scale * 100 else f"{ns / scale:.0f}{unit}"
    seconds = ns / 1e9
    return f"{seconds:.3g}s" if seconds < 100 else f"{seconds:,.0f}s"


def apportion(weights: Mapping[K, float], total: int) -> dict[K, int]:
    """Integer counts proportional to ``weights`` that add up to exactly ``total``.

    Largest-remainder (Hamilton) method. Rounding each mean on its own would make a
    goroutine profile's ``total N`` disagree with the sum of its records; ties go to the
    key that sorts first by weight then by insertion order, so the result is stable.
    """
    positive = {k: w for k, w in weights.items() if w > 0}
    mass = sum(positive.values())
    if total <= 0 or mass <= 0:
        return {k: 0 for k in weights}
    exact = {k: w * total / mass for k, w in positive.items()}
    counts = {k: math.floor(v) for k, v in exact.items()}
    left = total - sum(counts.values())
    order = sorted(exact, key=lambda k: (-(exact[k] - counts[k]), -exact[k]))
    for k in order[:left]:
        counts[k] += 1
    return {k: counts.get(k, 0) for k in weights}


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, indent: str = "  "
) -> list[str]:
    """Align columns: the first column left, every other column right (numbers)."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return (indent + "  ".join(parts)).rstrip()

    return [line(headers), *(line(row) for row in rows)]
