"""The label sets of a workload: series index ``i`` -> :class:`Labels`, built on first use.

Indices ``0 .. count-1`` are the workload's series; churn creates indices ``>= count`` (never
seen before, see ``plan.py``), which are built the same way from the template.

Thread safety: thousands of worker threads call :meth:`SeriesSet.labels` concurrently. Under
the GIL a list item store and a dict store are atomic, so the worst a race can do is build
the same (equal, immutable) ``Labels`` twice; no lock is needed, and taking one would add a
lock of our own to the contention being measured.
"""

from __future__ import annotations

from lsim.labels import Labels
from lsim.workload.model import SeriesSpec

# Churned series are seen by one thread for a few cycles and then go stale; keep a bounded
# number of them so a long high-churn run does not grow without limit.
_EXTRA_CACHE_MAX = 1 << 16


class SeriesSet:
    """Lazily built, cached label sets for ``spec`` (safe to share between threads)."""

    __slots__ = ("spec", "_formats", "_cache", "_extra")

    def __init__(self, spec: SeriesSpec) -> None:
        self.spec = spec
        self._formats = spec.template.formats()
        self._cache: list[Labels | None] = [None] * spec.count
        self._extra: dict[int, Labels] = {}

    def __len__(self) -> int:
        return self.spec.count

    def labels(self, i: int) -> Labels:
        if i < 0:
            raise IndexError(f"series index {i} is negative")
        if i < len(self._cache):
            cached = self._cache[i]
            if cached is None:
                cached = self._cache[i] = self._build(i)
            return cached
        extra = self._extra
        found = extra.get(i)
        if found is None:
            if len(extra) >= _EXTRA_CACHE_MAX:
                # Swap in a fresh dict (one atomic store) rather than clearing in place under
                # other threads' feet.
                self._extra = extra = {}
            found = extra[i] = self._build(i)
        return found

    def _build(self, i: int) -> Labels:
        return Labels((name, fmt.render(i)) for name, fmt in self._formats)

    def values(self, i: int) -> dict[str, str]:
        """The label values of series ``i`` as a plain dict (for display and tests)."""
        return dict(self.labels(i).pairs)
