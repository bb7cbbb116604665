"""Lock scripts: which locks each store operation takes, in which order, and for how long.

Each design's locking is stated once, in ``lsim/stores/locking.py`` (``lsim stores DESIGN``
prints it: per operation and case, the locks in the order taken, what is done under them,
and the model's costs: H hash, M map lookup, I map insert/delete, N a never-seen label
set's extra, L uncontended Lock+Unlock, as in ``lsim/workload/costs.py``; C components).
Where the statement states the costs, a :class:`Design` derives its script from it
(``stated.py``). A design stated whole (``mutex``, ``rwmutex``, ``finegrained``: any design
not in :data:`HAND_WRITTEN`) has no code of its own: :func:`derived` makes its model from
its name. Hand-written, each with its reason: ``sharded``'s lock names and its
TrackStaleness/GC split over shards (below), ``syncmap``'s component lookups,
``percomponent``'s peek and ``lockfree``'s sync.Map calls (``designs_maps.py``),
``directfanout``'s calls (``designs_fanout.py``).
``tests/engine/model/test_designs.py`` traces the real stores to keep them in step.
"""

from __future__ import annotations

from typing import Any, cast

from lsim.engine.model.core import WRITE, AtomicWord, Item
from lsim.engine.model.golock import SimMutex
from lsim.engine.model.gorwmutex import SimRWMutex
from lsim.engine.model.script import Costs, Lock, Script
from lsim.engine.model.stated import StatedCalls
from lsim.stores.locking import LOCKING, LOCKS
from lsim.sync.states import Operation
from lsim.workload.steps import Step

Parts = dict[int, tuple[int, int]]  # shard (-1: unsharded) -> (stale markers, live trackers)
_OP = Operation


class Design:
    """A design's model: its locks, and per call the script its statement derives.

    A subclass overrides :meth:`setup` for locks :data:`~lsim.stores.locking.LOCKS` cannot
    name by itself, and an operation's method where the statement gives no costs."""

    name = ""
    calls = "labelstore"  # the write path its plans are compiled for (LabelStore.calls)
    # Whether a GetOrAddGlobalRefID hit leaves the store as it was, so the program may answer
    # it without calling the store (not so when a hit's path depends on the store's state).
    hits_are_pure = True

    def __init__(
        self, c: Costs, components: tuple[str, ...], shards: int | None, store: Any
    ) -> None:
        self.c = c
        self.components = components
        self.nc = len(components)
        self.store = store
        self.locks: list[Lock] = []
        self.words: list[AtomicWord] = []
        self.roles: dict[str, list[Lock]] = {}  # lock role -> its locks (by index)
        self.index_of = {decl.role: decl.per for decl in LOCKS[self.name]}
        self.setup(shards)
        self.stated = StatedCalls(LOCKING[self.name], c, self.nc, self.lock_of,
                                  self.roles.__getitem__)  # fmt: skip
        # the far facts of the call being built (far.py), shared with the stated scripts:
        # the program updates this dict in place before it builds a call's script
        self.far = self.stated.far

    def setup(self, shards: int | None) -> None:
        """The stated locks, in the store's order: one per role, or one per component."""
        for decl in LOCKS[self.name]:
            if decl.per == "":
                names = [f"labelstore.{decl.role}"]
            elif decl.per == "component":
                names = [f"labelstore.{decl.role.replace('[]', f'[{c}]')}"
                         for c in self.components]  # fmt: skip
            else:
                raise ValueError(f"{self.name}: locks per {decl.per} need the design's setup")
            new = self.new_rw if decl.kind == "RWMutex" else self.new_mutex
            self.roles[decl.role] = [new(name) for name in names]

    def new_mutex(self, name: str) -> SimMutex:
        lk = SimMutex(name, len(self.locks) + 1)
        self.locks.append(lk)
        return lk

    def new_rw(self, name: str) -> SimRWMutex:
        lk = SimRWMutex(name, len(self.locks) + 1)
        self.locks.append(lk)
        return lk

    def lock_of(self, role: str, shard: int, comp: int) -> Lock:
        """The lock of ``role`` a call on ``shard`` (or ``comp``onent, or Fanout) takes."""
        per = self.index_of[role]
        return self.roles[role][shard if per == "shard" else comp if per else 0]

    def peek(self, component: str) -> int:
        """Before a call: which path the component lookup will take (design-specific code;
        0 for designs whose locking does not depend on it)."""
        return 0

    def taken(self, path: int) -> int:
        """After a call: the path it took, where the script depends on what the call did in
        the store (lockfree's sync.Map calls); for the others, ``path`` as peek gave it."""
        return path

    # -- operations: derived from the statement ---------------------------------------------
    def get_or_add(self, s: Script, shard: int, miss: bool) -> None:
        self.stated.build(s, _OP.GET_OR_ADD_GLOBAL_REF_ID, {"miss": int(miss)}, shard)

    def get_local(self, s: Script, shard: int, comp: int, path: int) -> None:
        known = {"known": int(path != 0)}
        self.stated.build(s, _OP.GET_LOCAL_REF_ID, known, shard, comp)

    def add_link(self, s: Script, shard: int, comp: int, path: int) -> None:
        self.stated.build(s, _OP.ADD_LOCAL_LINK, {"known": int(path != 0)}, shard, comp)

    def replace_link(self, s: Script, shard: int, comp: int, path: int) -> None:
        self.stated.build(s, _OP.REPLACE_LOCAL_LINK, {"known": int(path != 0)}, shard, comp)

    def get_or_add_link(self, s: Script, shard: int, comp: int, miss: bool, path: int) -> None:
        f = {"miss": int(miss), "known": int(path != 0)}
        self.stated.build(s, _OP.GET_OR_ADD_LINK, f, shard, comp)

    def track(self, s: Script, parts: Parts) -> None:
        marked = sum(m for m, _ in parts.values())
        live = sum(n for _, n in parts.values())
        self.stated.build(s, _OP.TRACK_STALENESS, {"marked": marked, "live": live})

    def gc(self, s: Script, expired: int) -> None:
        f = {"expired": expired}
        self.stated.build(s, _OP.CHECK_AND_REMOVE_STALE_MARKERS, f)

    def collect(self, s: Script) -> None:
        self.stated.build(s, _OP.COLLECT, {})

    def compile(self, program: Any, st: Any, step: Step) -> list[Item] | None:
        """Steps the program leaves to the design (directfanout's calls, designs_fanout.py)."""
        raise ValueError(f"the model cannot run operation {step.op!r} on {self.name}")


def derived(name: str) -> type[Design]:
    """The model of a design whose statement states every cost: nothing but its name."""
    missing = [op.go_name for op, paths in LOCKING[name].items()
               if any(p.under is None for p in paths)]  # fmt: skip
    if missing:
        raise ValueError(f"{name}: no model costs stated for {', '.join(missing)}")
    indexed = [decl.role for decl in LOCKS[name] if decl.per not in ("", "component")]
    if indexed:  # Design.setup names a lock per role or per component only
        raise ValueError(f"{name}: the model cannot name {', '.join(indexed)} by itself")
    doc = f"The {name} design, derived from its statement in lsim/stores/locking.py."
    cls = type(f"{name.capitalize()}Design", (Design,), {"name": name, "__doc__": doc})
    return cast(type[Design], cls)


class ShardedDesign(Design):
    """N ``Service.mut`` shards. GetOrAdd, GetLocal, Add, Replace, GetOrAddLink and Collect
    are derived (on the call's shard; Collect on every shard). Hand-written: the lock names
    (zero-padded shard indexes, as the store names them), and TrackStaleness and GC, whose
    sections depend on how a batch's markers spread over shards (the program routes the
    batch; GC spreads the expired markers evenly, the model's approximation)."""

    name = "sharded"

    def setup(self, shards: int | None) -> None:
        from lsim.stores.sharded import DEFAULT_SHARDS

        n = shards or DEFAULT_SHARDS
        width = max(2, len(str(n - 1)))
        self.shard_locks = [self.new_mutex(f"labelstore.shard[{i:0{width}d}].mut")
                            for i in range(n)]  # fmt: skip
        self.roles["shard[].mut"] = list(self.shard_locks)

    def track(self, s: Script, parts: Parts) -> None:
        c = self.c
        s.cpu(sum(m for m, _ in parts.values()) * c.hash)  # split + hash, before locking
        for shard, (marked, live) in parts.items():
            s.section(self.shard_locks[shard], WRITE, c.lock + marked * c.insert + live * c.hit,
                      writes=int(marked > 0))  # fmt: skip

    def gc(self, s: Script, expired: int) -> None:
        c, n = self.c, len(self.shard_locks)
        for i, lk in enumerate(self.shard_locks):
            mine = expired // n + (i < expired % n)
            cost = c.lock + c.hit + mine * (1 + 2 * self.nc) * c.insert
            s.section(lk, WRITE, cost, writes=2 + 2 * self.nc if mine else 0)


# The designs whose model has code of its own: ShardedDesign here, SyncMapDesign,
# PerComponentDesign and LockFreeDesign in designs_maps.py, DirectFanoutDesign in
# designs_fanout.py. Every other design of the statement is derived whole from it, so a new
# design stated with its costs needs nothing here.
HAND_WRITTEN = ("sharded", "syncmap", "percomponent", "lockfree", "directfanout")
DESIGNS: dict[str, type[Design]] = {}


def register(cls: type[Design]) -> type[Design]:
    DESIGNS[cls.name] = cls
    return cls


for _name in LOCKING:
    if _name not in HAND_WRITTEN:
        register(derived(_name))
register(ShardedDesign)
