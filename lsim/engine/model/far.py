"""Map accesses that miss the CPU caches: their cost by how many entries the map holds.

A Go map lookup costs ``map_hit_ns`` while the map's buckets sit in the caches. A store's
maps are touched at random (a scrape's series, a new local id), so once a kind of map holds
more entries than the caches can keep, an access finds its bucket's line in cache only with
probability ``cached / entries`` and otherwise waits for memory: ``map_miss_ns`` more
(``lsim calibrate`` measures both on a ``map[uint64]uint64`` chased at random at 1,024 to
4 million entries, and fits this curve to it; ``lsim/workload/costs.py`` says where the
defaults come from). Sharded stores count every shard's entries of a kind together: the
caches hold a share of them all, however they are split into maps.

The statement (``lsim/stores/locking.py``) charges each access to a growing map with one
of three facts, the expected extra ns of one access right now: ``Fs`` (labelsHashToGlobal),
``Fl`` (the component's localToGlobal) and ``Fg`` (its globalToLocal). They are rounded to
:data:`STEP_NS` (each distinct value is another cached script) and re-read from the real
store every :data:`REFRESH_CALLS` store calls, as the maps grow slowly next to a call.
"""

from __future__ import annotations

from typing import Any, Final

STEP_NS: Final = 8
REFRESH_CALLS: Final = 1024
FACTS: Final = ("Fs", "Fl", "Fg")


def far_ns(entries: int, miss_ns: int, cached: int) -> int:
    """The expected extra ns of one access to a map of ``entries`` (rounded to STEP_NS)."""
    if entries <= cached or miss_ns <= 0:
        return 0
    expected = miss_ns * (1.0 - cached / entries)
    return STEP_NS * round(expected / STEP_NS)


class FarAccesses:
    """The far facts of each component's calls, kept up to date from the store's sizes."""

    __slots__ = ("store", "names", "miss_ns", "cached", "calls", "facts", "keys")

    def __init__(self, store: Any, names: tuple[str, ...], miss_ns: int, cached: int) -> None:
        self.store = store
        self.names = names
        self.miss_ns = miss_ns
        self.cached = cached
        self.calls = 0
        self.facts: list[dict[str, int]] = [dict.fromkeys(FACTS, 0) for _ in names]
        self.keys = [0] * len(names)  # the facts as one int: part of a script's cache key
        self.refresh()

    def refresh(self) -> None:
        for comp, name in enumerate(self.names):
            sizes = self.store.map_sizes(name)
            values = [far_ns(n, self.miss_ns, self.cached) for n in sizes]
            self.facts[comp] = dict(zip(FACTS, values, strict=True))
            key = 0
            for v in values:  # STEP_NS steps; under 2**16 steps per fact (miss_ns < 0.5 ms)
                key = key << 16 | v // STEP_NS
            self.keys[comp] = key

    def key(self, comp: int) -> int:
        """The current facts of ``comp``'s calls, as a key (counts the call; re-reads the
        sizes every REFRESH_CALLS calls)."""
        self.calls += 1
        if self.calls >= REFRESH_CALLS:
            self.calls = 0
            self.refresh()
        return self.keys[comp]
