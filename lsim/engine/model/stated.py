"""A lock script derived from a design's locking statement (``lsim/stores/locking.py``).

A stated path lists its lock takes in order and, for the model, the costs done under each
(``lsim/stores/lockpath.py``). :class:`StatedCalls` picks the path of one call from the
call's facts (``lockpath.FACTS``, e.g. ``{"miss": 1}``; one not given is 0; the case by
``lockpath.CASES``) and turns it into :class:`Script` calls: the cost before the first
lock, then per take: lock, the cost under it, and unlock (or, for a held take, unlock at
the end of the path, innermost first); a take counted over several locks is one such
section per lock of its role. Nothing here knows a design.

Speed: each path is flattened into steps once, and the steps of a call's shape (operation,
shard, component, facts) are kept, since with random costs (``exponential_service``) a
script is built per call; the items themselves are the Script's, drawn afresh each time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lsim.engine.model.core import READ, WRITE
from lsim.engine.model.script import Costs, Lock, Script
from lsim.stores.lockpath import CASES, Cost, Path
from lsim.sync.states import Operation

# A cost with the cost terms and C multiplied in: a constant, or a polynomial in the call's
# facts ((coefficient, ((fact, is "fact?"), ...)), ...).
Bound = int | tuple[tuple[int, tuple[tuple[str, bool], ...]], ...]
Facts = dict[str, int]  # a fact not given is 0


LockOf = Callable[[str, int, int], Lock]  # (role, shard, comp) -> the lock a call takes
LocksOf = Callable[[str], Sequence[Lock]]  # role -> its locks


def constants(c: Costs, components: int) -> dict[str, int]:
    """The nanoseconds of each letter of ``lockpath.COST_TERMS``, and ``C``."""
    return {"H": c.hash, "M": c.hit, "I": c.insert, "N": c.new_series, "L": c.lock,
            "C": components}  # fmt: skip


def bind(cost: Cost, known: Mapping[str, int]) -> Bound:
    """``cost`` with the ``known`` names replaced by their values (a constant if no fact
    is left: most costs are, and the script is built per call)."""
    out = []
    for coef, names in cost.terms:
        facts = []
        for name in names:
            if name in known:
                coef *= known[name]
            else:
                facts.append((name.rstrip("?"), name.endswith("?")))
        out.append((coef, tuple(facts)))
    if all(not facts for _, facts in out):
        return sum(coef for coef, _ in out)
    return tuple(out)


def value(bound: Bound, f: Facts) -> int:
    if isinstance(bound, int):
        return bound
    total = 0
    for coef, names in bound:
        for name, flag in names:
            v = f.get(name, 0)
            coef *= (v > 0) if flag else v
        total += coef
    return total


def holds(when: str, f: Facts) -> bool:
    """Whether the case ``when`` of a path is the one these facts are."""
    if when == "always":
        return True
    fact, want = CASES[when]
    return (f.get(fact, 0) > 0) is want


_CPU, _LOCK, _UNLOCK = 0, 1, 2
# One step of a derived script: (what, the lock or None (picked per call), its role, mode,
# the cost (CPU) or the maps written (UNLOCK)).
_Step = tuple[int, Lock | None, str, int, Bound]
# (what, lock (None for CPU: Any, so the hot loop needs no check), mode, ns or maps written)
_Resolved = tuple[int, Any, int, int]
_MEMO_MAX = 10_000


class _BoundPath:
    """A path flattened into script steps once, at the model's start: a take over several
    locks expanded, held locks' unlocks moved to the end (innermost first), costs bound."""

    __slots__ = ("when", "always", "steps")

    def __init__(self, p: Path, known: Mapping[str, int], locks_of: LocksOf) -> None:
        assert p.under is not None
        self.when = p.when
        self.always = p.when == "always"
        steps: list[_Step] = [(_CPU, None, "", 0, bind(p.before, known))]
        held: list[_Step] = []
        for t, u in zip(p.takes, p.under, strict=True):
            mode = READ if t.mode == "R" else WRITE
            locks = locks_of(t.role)
            # a take over every lock of its role; else the one lock (None: the call's)
            chosen = list(locks) if t.repeated else [locks[0] if len(locks) == 1 else None]
            spent, writes = bind(u.cost, known), bind(u.writes, known)
            for lk in chosen:
                steps += [(_LOCK, lk, t.role, mode, 0), (_CPU, None, "", 0, spent)]
                (held if u.hold else steps).append((_UNLOCK, lk, t.role, mode, writes))
        steps += reversed(held)
        self.steps = tuple(st for st in steps if st[0] != _CPU or st[4] != 0)  # cpu(0): none


class StatedCalls:
    """The derived scripts of a statement's costed operations, for one design's locks and
    costs (``locks_of(role)``: the role's locks; ``lock_of(role, shard, comp)``: the one a
    call takes, by the call's shard, or component or Fanout index)."""

    def __init__(
        self, statement: Mapping[Operation, tuple[Path, ...]], c: Costs, components: int,
        lock_of: LockOf, locks_of: LocksOf,
    ) -> None:  # fmt: skip
        known = constants(c, components)
        self.paths = {
            op: [_BoundPath(p, known, locks_of) for p in paths]
            for op, paths in statement.items()
            if all(p.under is not None for p in paths)
        }
        self.lock_of = lock_of
        # the far facts (far.py) of the call being built: the program sets them in place
        self.far: dict[str, int] = {}
        # (op, shard, comp, facts) -> its steps: a script is built per call when costs are
        # random (Script draws each CPU segment), and calls repeat a few shapes
        self.memo: dict[tuple[object, ...], list[_Resolved]] = {}

    def derived(self, op: Operation) -> bool:
        """Whether every path of ``op`` states its costs (else the design writes the script)."""
        return op in self.paths

    def build(self, s: Script, op: Operation, f: Facts, shard: int = -1, comp: int = 0) -> None:
        """Append the items of one ``op`` call with facts ``f`` (and the far facts) to ``s``."""
        if self.far:
            f = {**f, **self.far}
        key = (op, shard, comp, *f.items())
        steps = self.memo.get(key)
        if steps is None:
            steps = self._resolve(op, f, shard, comp)
            if len(self.memo) < _MEMO_MAX:
                self.memo[key] = steps
        for what, lk, mode, n in steps:
            if what == _CPU:
                s.cpu(n)
            elif what == _LOCK:
                s.lock(lk, mode)
            else:
                s.unlock(lk, mode, n)

    def _resolve(self, op: Operation, f: Facts, shard: int, comp: int) -> list[_Resolved]:
        """The steps of the path ``f`` selects, with its locks picked and costs counted."""
        paths = self.paths.get(op)
        if paths is None:
            raise ValueError(f"the statement gives no model costs for {op.go_name}")
        for p in paths:
            if p.always or holds(p.when, f):
                break
        else:
            raise ValueError(f"no stated case of {op.go_name} fits {f}")
        out: list[_Resolved] = []
        for what, lk, role, mode, bound in p.steps:
            n = bound if isinstance(bound, int) else value(bound, f)
            if what == _CPU:
                if n:  # cpu(0) adds nothing
                    out.append((_CPU, None, 0, n))
            else:
                out.append((what, lk if lk is not None else self.lock_of(role, shard, comp),
                            mode, n))  # fmt: skip
        return out
