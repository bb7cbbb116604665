"""How much two censuses look alike: one number, and the cells that differ most.

Each profile's census becomes a distribution of goroutines over cells (state x operation x
lock), the share of all goroutines a census sample saw in each; the resemblance is the
total-variation distance between the two distributions, ``0.5 * sum |p - q|``: 0 when every
cell has the same share, 1 when no goroutine of one is in any cell of the other. It is the
share of goroutines that would have to move to another cell to turn one census into the
other, so "the simulation resembles the dump" becomes "TV = 0.03".

Cells are compared as roles, so different sources line up: a lock by its role
(``labelstore.shard[07].mut`` -> ``labelstore.Service.mut``, as ``profile diff`` matches
locks); a goroutine in the store but not blocked by its operation and whether it runs
(``running``/``runnable``) or waits for something else; every goroutine outside the store
as one cell (a simulated service sleeps between scrapes, a real one parks in ``select``).
"""

from __future__ import annotations

from dataclasses import dataclass

from lsim.profile.diff import lock_role
from lsim.profile.model import Profile, is_blocked_state

Key = tuple[str, str, str]
OUTSIDE = "outside the store"
IN_STORE_RUNNING = frozenset({"running", "runnable"})


def resemblance_key(state: str, operation: str, lock: str) -> Key:
    if is_blocked_state(state):
        return (state, operation, lock_role(lock))
    if operation:
        return (state if state in IN_STORE_RUNNING else "waiting", operation, "")
    return (OUTSIDE, "", "")


def census_shares(profile: Profile) -> dict[Key, float]:
    """Share of goroutine-samples per cell (sums to 1; empty when there is no census)."""
    counts: dict[Key, float] = {}
    for cell in profile.census:
        if cell.state == "idle" and not cell.operation and profile.engine == "threads":
            continue  # a threads-engine slot not started yet or finished: no goroutine
        key = resemblance_key(cell.state, cell.operation, cell.lock)
        counts[key] = counts.get(key, 0.0) + cell.thread_samples
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()} if total else {}


@dataclass(frozen=True)
class CellShare:
    state: str
    operation: str
    lock: str
    before: float  # share of goroutines, 0..1
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class Resemblance:
    distance: float  # total variation, 0..1
    cells: list[CellShare]  # every cell, largest |after - before| first

    def top(self, n: int = 5) -> list[CellShare]:
        return [c for c in self.cells[:n] if abs(c.delta) > 0]


def resemblance(before: Profile, after: Profile) -> Resemblance | None:
    """``None`` when either side has no census to compare."""
    a, b = census_shares(before), census_shares(after)
    if not a or not b:
        return None
    keys = list(dict.fromkeys([*a, *b]))
    cells = [CellShare(*k, a.get(k, 0.0), b.get(k, 0.0)) for k in keys]
    cells.sort(key=lambda c: (-abs(c.delta), c.state, c.operation, c.lock))
    distance = 0.5 * sum(abs(c.delta) for c in cells)
    return Resemblance(min(1.0, distance), cells)
