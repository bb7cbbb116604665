"""Lock scripts of the designs that take the component mappings off the one lock:
``syncmap``, ``percomponent`` and ``lockfree``. What their statements (``lsim/stores/
locking.py``) state is derived (``designs.py``); each class says what it writes by hand and
why: what the statement cannot say as data."""

from __future__ import annotations

from lsim.engine.model.core import WRITE, AtomicWord
from lsim.engine.model.designs import Design, Parts, register
from lsim.engine.model.script import Lock, Script
from lsim.stores.gosyncmap import (
    DELETE,
    LOAD,
    LOAD_OR_STORE,
    RANGE,
    STORE,
    MapCall,
    map_path,
)
from lsim.stores.lockfree import COUNTER
from lsim.stores.locking import LOCKS

# the lockfree sync.Maps that grow, and the far fact (far.py) an access to each pays
_FAR_ROLES = {
    "Service.labelsHashToGlobal(sync.Map).mu": "Fs",
    "mapping[].localToGlobal(sync.Map).mu": "Fl",
    "mapping[].globalToLocal(sync.Map).mu": "Fg",
}
# sync.Map load paths (SyncMapDesign.peek)
IN_READ, IN_DIRTY, ABSENT, ABSENT_AMENDED = 0, 1, 2, 3


@register
class SyncMapDesign(Design):
    """``Service.mut`` for everything but the component lookup, which is a ``sync.Map``.

    GetOrAdd, TrackStaleness, GC and Collect are derived (as mutex). Hand-written: the four
    calls that look a component up, whose locks depend on where the sync.Map finds it (the
    lock-free read-only snapshot, or past it under the map's mutex, and a LoadOrStore that
    may lock it again): a state of the real map, read by :meth:`peek`, that the statement
    can only name as cases ("read-only map", "dirty map", "x 0..2")."""

    name = "syncmap"

    def setup(self, shards: int | None) -> None:
        super().setup(shards)
        self.mut = self.roles["Service.mut"][0]
        self.map_mu = self.roles["Service.mappings(sync.Map).mu"][0]

    def peek(self, component: str) -> int:
        """Where a ``Load`` finds the component: the read-only snapshot (no lock), or past it
        (the map's mutex when the dirty map has newer keys). Reads the sync.Map's state
        (:func:`map_path`), as the model must know which path the real call takes."""
        p = map_path(self.store.mappings, LOAD, component)
        if p.locked:
            return IN_DIRTY if p.found else ABSENT_AMENDED
        return IN_READ if p.found else ABSENT

    def _load(self, s: Script, path: int) -> None:
        if path in (IN_DIRTY, ABSENT_AMENDED):
            s.section(self.map_mu, WRITE, self.c.lock + 2 * self.c.hit)
        else:
            s.cpu(self.c.hit)

    def _mapping_locked(self, s: Script, path: int) -> None:
        """Load, and create with LoadOrStore when absent (the caller holds Service.mut)."""
        self._load(s, path)
        if path in (ABSENT, ABSENT_AMENDED):
            s.section(self.map_mu, WRITE, self.c.lock + self.c.hit + self.c.insert, writes=1)

    def _far(self, s_: int = 0, l_: int = 0, g_: int = 0) -> int:
        """Accesses to the growing maps (far.py): label sets, localToGlobal, globalToLocal."""
        f = self.far
        return s_ * f.get("Fs", 0) + l_ * f.get("Fl", 0) + g_ * f.get("Fg", 0)

    def get_local(self, s: Script, shard: int, comp: int, path: int) -> None:
        self._load(s, path)
        if path in (IN_READ, IN_DIRTY):  # an unknown component returns 0 without locking
            s.section(self.mut, WRITE, self.c.lock + self.c.hit + self._far(g_=1))

    def _linking(self, s: Script, cost: int, path: int, load_first: bool = False,
                 writes: int = 2) -> None:  # fmt: skip
        s.lock(self.mut)
        s.cpu(self.c.lock)
        if load_first and path in (ABSENT, ABSENT_AMENDED):
            self._load(s, path)  # Replace loads once itself before falling back to Add
        self._mapping_locked(s, path)  # Service.mut -> sync.Map mu, the documented order
        s.cpu(cost)
        s.unlock(self.mut, writes=writes)

    def add_link(self, s: Script, shard: int, comp: int, path: int) -> None:
        self._linking(s, 2 * self.c.insert + self._far(l_=1, g_=1), path)

    def replace_link(self, s: Script, shard: int, comp: int, path: int) -> None:
        self._linking(s, 3 * self.c.insert + self._far(l_=2, g_=1), path, load_first=True)

    def get_or_add_link(self, s: Script, shard: int, comp: int, miss: bool, path: int) -> None:
        c = self.c
        found = c.hash + c.hit + (c.insert + c.new_series if miss else 0)
        linked = 2 * c.insert + self._far(s_=1, l_=1, g_=1)
        self._linking(s, found + linked, path, writes=2 + miss)


@register
class PerComponentDesign(Design):
    """``Service.mut`` for hashes and staleness; an RWMutex per component mapping.

    Every call is derived. Hand-written: :meth:`peek`, as which case applies (a known
    component or a new one) is the store's state, not the call's. The store creates a
    mapping's lock when the component first links; the model has them all from the start
    (an unused lock changes nothing)."""

    name = "percomponent"

    def peek(self, component: str) -> int:
        """1 when the component's mapping (and so its lock) exists already, else 0."""
        return int(self.store._find_mapping(component) is not None)


@register
class LockFreeDesign(Design):
    """No store lock: every map is a Go 1.19 ``sync.Map`` and the id counter an atomic word.

    All hand-written: what a call waits on is its sync.Maps' mutexes, and which of its
    sync.Map calls take them (a load past the read-only snapshot while the dirty map has
    newer keys, a store of a new key, the copy of the snapshot into a new dirty map) is the
    maps' state at that call, which the statement can only bound ("x 0..2"). The store
    records each call's sync.Map calls with the path :func:`map_path` gives from the real
    maps' state (the helper :meth:`SyncMapDesign.peek` asks too), and :meth:`_replay`
    charges each: lock-free work, or a section of that map's mutex. The one atomic word is
    the id counter (``core.AtomicWord``), drawn on a miss."""

    name = "lockfree"
    hits_are_pure = False  # a Load that misses the snapshot counts toward a promotion

    def setup(self, shards: int | None) -> None:
        self.traced = self.store.trace_calls()  # the sync.Map calls of the store's last call
        self.by_name: dict[str, Lock] = {}
        decls = LOCKS[self.name]
        self.roles.update((decl.role, []) for decl in decls)
        for decl in decls:  # in the store's order: the Service's, then each mapping's two
            if decl.per == "":
                self._lock(decl.role, f"labelstore.{decl.role}")
        for comp in self.components:
            for decl in decls:
                if decl.per == "component":
                    self._lock(decl.role, f"labelstore.{decl.role.replace('[]', f'[{comp}]')}")
        # which far fact (far.py) an access to each sync.Map pays: the maps that grow
        self.far_fact = {lk.name: fact for role, fact in _FAR_ROLES.items()
                         for lk in self.roles[role]}  # fmt: skip
        self.counter = AtomicWord(COUNTER)
        self.words.append(self.counter)
        self.shapes: dict[tuple[MapCall, ...], int] = {}

    def _lock(self, role: str, name: str) -> None:
        lk = self.by_name[name] = self.new_mutex(name)
        self.roles[role].append(lk)

    def taken(self, path: int) -> int:
        """The call's sync.Map paths, as one number (a script is cached per number)."""
        shape = tuple(self.traced)
        n = self.shapes.get(shape)
        if n is None:
            n = self.shapes[shape] = len(self.shapes)
        return n

    def _replay(self, s: Script) -> None:
        """The store's last call, sync.Map call by call (costs: locking.py's _LOCKFREE)."""
        c = self.c
        new_series = 0  # a drawn id's extra (growth, allocation), charged with its insert
        far = self.far
        for name, call, p in self.traced:
            if name == COUNTER:
                s.atomic(self.counter, c.atomic)
                new_series = c.new_series
                continue
            # what the call writes: a new key (into the dirty map), a key deleted, or (a
            # store to a key it has) the entry's value, an atomic store or CAS
            new_key = call in (STORE, LOAD_OR_STORE) and not p.found
            changes = new_key or call == STORE or (call == DELETE and p.found)
            extra = new_series if call == LOAD_OR_STORE else 0
            if extra:  # the LoadOrStore of the drawn id: as every design, N with the insert
                new_series = 0
            # one access to a growing map (far.py) per map looked at: the snapshot (before
            # the mutex: its re-check under it finds the bucket in cache), and under the
            # mutex the dirty map, another map (an insert lands in the bucket just read)
            f = far.get(self.far_fact.get(name, ""), 0)
            if not p.locked:  # the snapshot; a value written is a CAS on its entry
                s.cpu(c.hit + f + (c.atomic if changes else 0) + extra)
            elif call == RANGE:  # a promotion: the dirty map becomes the snapshot
                s.section(self.by_name[name], WRITE, c.lock + c.hit, writes=1)
            else:  # a lookup in the snapshot again and in the dirty map, maybe a change
                dirty = c.insert if new_key or call == DELETE and p.found else 0
                write = dirty or (c.atomic if changes else 0)
                ns = c.lock + 2 * c.hit + f + write + p.copied * c.hit + extra
                s.cpu(f)
                s.section(self.by_name[name], WRITE, ns, writes=int(changes))
            s.cpu(p.visited * c.hit)

    def get_or_add(self, s: Script, shard: int, miss: bool) -> None:
        s.cpu(self.c.hash)
        self._replay(s)

    def get_local(self, s: Script, shard: int, comp: int, path: int) -> None:
        self._replay(s)

    def add_link(self, s: Script, shard: int, comp: int, path: int) -> None:
        self._replay(s)

    def replace_link(self, s: Script, shard: int, comp: int, path: int) -> None:
        self._replay(s)

    def get_or_add_link(self, s: Script, shard: int, comp: int, miss: bool, path: int) -> None:
        self.get_or_add(s, shard, miss)

    def track(self, s: Script, parts: Parts) -> None:
        s.cpu(sum(marked for marked, _ in parts.values()) * self.c.hash)  # before any lock
        self._replay(s)

    def gc(self, s: Script, expired: int) -> None:
        self._replay(s)

    def collect(self, s: Script) -> None:
        self._replay(s)


from lsim.engine.model import designs_fanout  # noqa: E402, F401  (registers directfanout)
