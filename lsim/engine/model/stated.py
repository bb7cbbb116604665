"""A lock script derived from a design's locking statement (``lsim/stores/locking.py``).

A stated path lists its lock takes in order and, for the model, the costs done under each
(``lsim/stores/lockpath.py``). :class:`StatedCalls` picks the path of one call from the
call's facts (:data:`~lsim.stores.lockpath.CASES`) and turns it into :class:`Script` calls:
the cost before the first lock, then per take: lock, the cost under it, and unlock (or,
for a held take, unlock at the end of the path, innermost first); a take counted over
several locks is one such section per lock of its role. Nothing here knows a design.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from lsim.engine.model.core import READ, WRITE
from lsim.engine.model.script import Costs, Lock, Script
from lsim.stores.lockpath import CASES, Cost, Path, Under
from lsim.sync.states import Operation

Bound = tuple[tuple[int, tuple[str, ...]], ...]  # a cost with the cost terms multiplied in
Facts = dict[str, int]


def cost_terms(c: Costs) -> dict[str, int]:
    """The nanoseconds of each letter of ``lockpath.COST_TERMS``."""
    return {"H": c.hash, "M": c.hit, "I": c.insert, "N": c.new_series, "L": c.lock}


def bind(cost: Cost, terms: Mapping[str, int]) -> Bound:
    """``cost`` with its cost terms replaced by their nanoseconds: a polynomial in facts."""
    out = []
    for coef, names in cost.terms:
        facts = []
        for name in names:
            if name in terms:
                coef *= terms[name]
            else:
                facts.append(name)
        out.append((coef, tuple(facts)))
    return tuple(out)


def value(bound: Bound, facts: Facts) -> int:
    total = 0
    for coef, names in bound:
        for name in names:
            coef *= facts[name]
        total += coef
    return total


def facts(**values: int) -> Facts:
    """The facts of one call, with ``x?`` (1 when x > 0) beside each."""
    out = dict(values)
    out.update({f"{k}?": int(v > 0) for k, v in values.items()})
    return out


def holds(when: str, f: Facts) -> bool:
    """Whether the case ``when`` of a path is the one these facts are."""
    if when == "always":
        return True
    fact, want = CASES[when]
    return bool(f[fact]) is want


class _Section:
    __slots__ = ("role", "mode", "repeated", "cost", "writes", "hold")

    def __init__(self, role: str, mode: int, repeated: bool, u: Under, terms: Mapping[str, int]):
        self.role, self.mode, self.repeated, self.hold = role, mode, repeated, u.hold
        self.cost, self.writes = bind(u.cost, terms), bind(u.writes, terms)


class _BoundPath:
    __slots__ = ("when", "before", "sections")

    def __init__(self, p: Path, terms: Mapping[str, int]) -> None:
        assert p.under is not None
        self.when = p.when
        self.before = bind(p.before, terms)
        self.sections = [
            _Section(t.role, READ if t.mode == "R" else WRITE, t.repeated, u, terms)
            for t, u in zip(p.takes, p.under, strict=True)
        ]


# role -> the locks of the role; picks one for a call (the call's shard or component index).
LockOf = Callable[[str, int, int], Lock]
LocksOf = Callable[[str], Sequence[Lock]]


class StatedCalls:
    """The derived scripts of a statement's costed operations, for one set of costs."""

    def __init__(
        self, statement: Mapping[Operation, tuple[Path, ...]], c: Costs, lock_of: LockOf,
        locks_of: LocksOf,
    ) -> None:  # fmt: skip
        terms = cost_terms(c)
        self.paths = {
            op: [_BoundPath(p, terms) for p in paths]
            for op, paths in statement.items()
            if all(p.under is not None for p in paths)
        }
        self.lock_of = lock_of
        self.locks_of = locks_of

    def derived(self, op: Operation) -> bool:
        """Whether every path of ``op`` states its costs (else the design writes the script)."""
        return op in self.paths

    def build(self, s: Script, op: Operation, f: Facts, shard: int = -1, comp: int = 0) -> None:
        """Append the items of one ``op`` call with facts ``f`` to ``s``."""
        paths = self.paths.get(op)
        if paths is None:
            raise ValueError(f"the statement gives no model costs for {op.go_name}")
        p = next((p for p in paths if holds(p.when, f)), None)
        if p is None:
            raise ValueError(f"no stated case of {op.go_name} fits {f}")
        s.cpu(value(p.before, f))
        held: list[tuple[Lock, int, int]] = []
        for sec in p.sections:
            if sec.repeated:  # one section per lock of the role
                locks = self.locks_of(sec.role)
            else:
                locks = (self.lock_of(sec.role, shard, comp),)
            for lk in locks:
                s.lock(lk, sec.mode)
                s.cpu(value(sec.cost, f))
                if sec.hold:
                    held.append((lk, sec.mode, value(sec.writes, f)))
                else:
                    s.unlock(lk, sec.mode, value(sec.writes, f))
        for lk, mode, writes in reversed(held):
            s.unlock(lk, mode, writes)
