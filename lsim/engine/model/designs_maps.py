"""Lock scripts of the designs that take the component mappings off the one lock:
``syncmap``, ``percomponent`` and ``lockfree``. What their statements (``lsim/stores/
locking.py``) state is derived (``designs.py``); each class says what it writes by hand and
why: what the statement cannot say as data."""

from __future__ import annotations

from lsim.engine.model.core import WRITE, AtomicWord
from lsim.engine.model.designs import Design, Parts, register
from lsim.engine.model.script import Script

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
        (the map's mutex when the dirty map has newer keys). Reads the sync.Map's state, as
        the model must know which path the real call takes."""
        smap = self.store.mappings
        read = smap._read
        if component in read.m:
            return IN_READ
        if not read.amended:
            return ABSENT
        dirty = smap._dirty
        return IN_DIRTY if dirty is not None and component in dirty else ABSENT_AMENDED

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

    def get_local(self, s: Script, shard: int, comp: int, path: int) -> None:
        self._load(s, path)
        if path in (IN_READ, IN_DIRTY):  # an unknown component returns 0 without locking
            s.section(self.mut, WRITE, self.c.lock + self.c.hit)

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
        self._linking(s, 2 * self.c.insert, path)

    def replace_link(self, s: Script, shard: int, comp: int, path: int) -> None:
        self._linking(s, 3 * self.c.insert, path, load_first=True)

    def get_or_add_link(self, s: Script, shard: int, comp: int, miss: bool, path: int) -> None:
        c = self.c
        found = c.hash + c.hit + (c.insert + c.new_series if miss else 0)
        self._linking(s, found + 2 * c.insert, path, writes=2 + miss)


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
    """No lock: reads are CPU; each store into a shared map is a CAS on that map's word.

    All hand-written: the statement is about locks, and this design has none; what it
    serialises on is an atomic word per shared map (``core.AtomicWord``), which the
    statement's notation does not have."""

    name = "lockfree"

    def setup(self, shards: int | None) -> None:
        self.ids = self._word("labelstore.Service.labelsHashToGlobal")
        self.counter = self._word("labelstore.Service.globalRefID")
        self.stale = self._word("labelstore.Service.staleGlobals")
        self.maps = [self._word(f"labelstore.mapping[{i}]") for i in range(self.nc)]

    def _word(self, name: str) -> AtomicWord:
        w = AtomicWord(name)
        self.words.append(w)
        return w

    def _stores(self, s: Script, word: AtomicWord, n: int) -> None:
        for _ in range(n):
            s.atomic(word, self.c.atomic)
            s.cpu(self.c.insert)

    def get_or_add(self, s: Script, shard: int, miss: bool) -> None:
        s.cpu(self.c.hash + self.c.hit)
        if miss:
            s.atomic(self.counter, self.c.atomic)
            s.cpu(self.c.new_series)
            self._stores(s, self.ids, 1)

    def get_local(self, s: Script, shard: int, comp: int, path: int) -> None:
        s.cpu(2 * self.c.hit)

    def add_link(self, s: Script, shard: int, comp: int, path: int) -> None:
        s.cpu(self.c.hit)
        self._stores(s, self.maps[comp], 2)

    def replace_link(self, s: Script, shard: int, comp: int, path: int) -> None:
        s.cpu(self.c.hit)
        self._stores(s, self.maps[comp], 3)

    def get_or_add_link(self, s: Script, shard: int, comp: int, miss: bool, path: int) -> None:
        self.get_or_add(s, shard, miss)
        self.add_link(s, shard, comp, path)

    def track(self, s: Script, parts: Parts) -> None:
        marked, live = parts[-1]
        s.cpu(marked * self.c.hash + live * self.c.hit)
        self._stores(s, self.stale, marked)

    def gc(self, s: Script, expired: int) -> None:
        s.cpu(self.c.hit)
        self._stores(s, self.stale, expired)
        self._stores(s, self.ids, expired)
        for word in self.maps:
            self._stores(s, word, 2 * expired)

    def collect(self, s: Script) -> None:
        s.cpu((1 + self.nc) * self.c.hit)


from lsim.engine.model import designs_fanout  # noqa: E402, F401  (registers directfanout)
