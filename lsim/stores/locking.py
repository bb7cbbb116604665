"""Each design's locking, stated once: per operation, which locks a call takes, in which
mode, how many times, and what it does under them.

The Python stores, the model's lock scripts (``lsim/engine/model/designs*.py``) and the Go
stores (``lsim/engine/go/src/labelstore``) are three implementations of this one statement;
``tests/stores/test_locking_statement.py`` and ``tests/engine/go/test_locking_statement.py``
trace the real lock acquisitions of each against it, call by call, and check that every
path stated here is taken by some traced call (no stale entries).

A lock is named by its *role*: its name without the ``labelstore.`` prefix and with any
``[index]`` emptied (``shard[07].mut`` -> ``shard[].mut``, ``mapping[component_0].mu`` ->
``mapping[].mu``). A path is written ``"<role> <W|R> [x <count>]; ..."``: W exclusive, R
the read side; a count is ``N``, ``shards``, ``components`` or a range ``lo..hi`` of those
(``shards``: the store's shard count, ``components``: the components the store knows).
A path takes exactly what it lists; a call matches its operation when it matches one path.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from lsim.sync.states import LABELSTORE_OPERATIONS, Operation

Mode = Literal["W", "R"]
Taken = Counter[tuple[str, str]]  # (role, mode) -> acquisitions

# Locks taken inside Go's standard library (sync.Map's own mutex): the Python stores model
# them and count them; the Go stores cannot (the lock is private to sync.Map).
STDLIB_LOCKS = frozenset({"Service.mappings(sync.Map).mu"})

_INDEX = re.compile(r"\[[^\]]*\]")


def lock_role(name: str) -> str:
    """``labelstore.shard[07].mut`` -> ``shard[].mut``."""
    return _INDEX.sub("[]", name.removeprefix("labelstore."))


@dataclass(frozen=True, slots=True)
class Take:
    role: str
    mode: Mode
    lo: str = "1"  # an int, "shards" or "components"
    hi: str = "1"

    def bounds(self, shards: int, components: int) -> tuple[int, int]:
        sizes = {"shards": shards, "components": components}

        def size(bound: str) -> int:
            return sizes[bound] if bound in sizes else int(bound)

        return size(self.lo), size(self.hi)


@dataclass(frozen=True, slots=True)
class Path:
    when: str  # the case it covers: "always", "miss", "component unknown", ...
    takes: tuple[Take, ...]
    does: str  # what the call does under the locks (the model's costs follow it)

    def matches(self, taken: Taken, shards: int, components: int, stdlib: bool = True) -> bool:
        """Whether ``taken`` is this path (``stdlib=False``: STDLIB_LOCKS are not seen)."""
        rest = Counter(taken)
        for t in self.takes:
            if not stdlib and t.role in STDLIB_LOCKS:
                continue
            lo, hi = t.bounds(shards, components)
            if not lo <= rest.pop((t.role, t.mode), 0) <= hi:
                return False
        return not +rest


def path(when: str, takes: str, does: str) -> Path:
    """``path("miss", "Service.globalMut R; Service.globalMut W", "...")``."""
    parsed: list[Take] = []
    for part in filter(None, (p.strip() for p in takes.split(";"))):
        m = re.fullmatch(r"(\S+) (W|R)(?: x (\w+)(?:\.\.(\w+))?)?", part)
        if m is None:
            raise ValueError(f"bad lock take {part!r} (want '<role> <W|R> [x <lo>[..<hi>]]')")
        role, mode, lo, hi = m.groups()
        parsed.append(Take(role, "W" if mode == "W" else "R", lo or "1", hi or lo or "1"))
    return Path(when, tuple(parsed), does)


# The operations of the design's calls (LabelStore.operations), each with its paths.
Statement = Mapping[Operation, tuple[Path, ...]]

_OPS = sorted(LABELSTORE_OPERATIONS)
G, L, A, R, K = (
    Operation.GET_OR_ADD_GLOBAL_REF_ID,
    Operation.GET_LOCAL_REF_ID,
    Operation.ADD_LOCAL_LINK,
    Operation.REPLACE_LOCAL_LINK,
    Operation.GET_OR_ADD_LINK,
)
T, GC, COL = Operation.TRACK_STALENESS, Operation.CHECK_AND_REMOVE_STALE_MARKERS, Operation.COLLECT

# What each operation does, whatever guards it (DESIGN.md §1).
DOES = {
    G: "hash the labels, look the hash up; on a miss insert a new global id",
    L: "look the component's mapping up, then the global id in it",
    A: "link global <-> local id in the component's mapping (created if new)",
    R: "drop the old local id, link the new one",
    K: "GetOrAddGlobalRefID and AddLocalLink in one call",
    T: "hash stale markers (outside the lock), record them; clear live ones",
    GC: "remove markers older than the stale duration, and their ids everywhere",
    COL: "count global ids and each component's ids",
}


def _everything(takes: str) -> dict[Operation, tuple[Path, ...]]:
    return {op: (path("always", takes, DOES[op]),) for op in _OPS}


_MUTEX = _everything("Service.mut W")
_RWMUTEX = {
    **_MUTEX,
    L: (path("always", "Service.mut R", DOES[L]),),
    COL: (path("always", "Service.mut R", DOES[COL]),),
}
_FINEGRAINED = {
    G: (
        path("hit", "Service.globalMut R", "hash, look up under the read lock"),
        path("miss", "Service.globalMut R; Service.globalMut W",
             "a read-lock miss, then re-check and insert under the write lock"),
    ),
    L: (path("always", "Service.mappingsMut R", DOES[L]),),
    A: (path("always", "Service.mappingsMut W", DOES[A]),),
    R: (path("always", "Service.mappingsMut W", DOES[R]),),
    K: (
        path("hit", "Service.globalMut R; Service.mappingsMut W",
             "id under globalMut R, link under mappingsMut W (nested)"),
        path("miss", "Service.globalMut R; Service.globalMut W; Service.mappingsMut W",
             "insert under globalMut W, link under mappingsMut W (nested)"),
    ),
    T: (path("always", "Service.stalenessMut W", DOES[T]),),
    GC: (
        path("nothing expired", "Service.stalenessMut W", "scan the markers"),
        path("expired", "Service.stalenessMut W; Service.globalMut W; Service.mappingsMut W",
             "stalenessMut > globalMut W > mappingsMut W, in that order"),
    ),
    COL: (path("always", "Service.globalMut R; Service.mappingsMut R", DOES[COL]),),
}  # fmt: skip
_SHARDED = {
    **{op: (path("always", "shard[].mut W", f"{DOES[op]}, on the series' or id's shard"),)
       for op in (G, L, A, R, K)},
    T: (path("always", "shard[].mut W x 1..shards", "one section per shard touched"),),
    GC: (path("always", "shard[].mut W x shards", "every shard in turn"),),
    COL: (path("always", "shard[].mut W x shards", "every shard in turn"),),
}  # fmt: skip
_SYNCMAP_MU = "Service.mappings(sync.Map).mu"
_SYNCMAP = {
    **_MUTEX,
    L: (
        path("component unknown", "", "a sync.Map load misses: no lock, returns 0"),
        path("read-only map", "Service.mut W", "a lock-free sync.Map load, then the id under mut"),
        path("dirty map", f"{_SYNCMAP_MU} W; Service.mut W",
             "the load falls through to the dirty map under sync.Map's mutex"),
    ),
    A: (path("always", f"Service.mut W; {_SYNCMAP_MU} W x 0..2",
             "under mut: the mapping's LoadOrStore (sync.Map's mutex on a new or dirty key)"),),
    K: (path("always", f"Service.mut W; {_SYNCMAP_MU} W x 0..2",
             "id and link under mut; the mapping's LoadOrStore as in AddLocalLink"),),
    R: (path("always", f"Service.mut W; {_SYNCMAP_MU} W x 0..1", DOES[R]),),
}  # fmt: skip
_PERCOMPONENT = {
    **_MUTEX,
    L: (
        path("component unknown", "", "no mapping yet: returns 0"),
        path("known", "mapping[].mu R", "the id under the component's read lock"),
    ),
    A: (
        path("known", "mapping[].mu W", DOES[A]),
        path("new component", "Service.mut W; mapping[].mu W", "create the mapping under mut"),
    ),
    R: (
        path("known", "mapping[].mu W", DOES[R]),
        path("new component", "Service.mut W; mapping[].mu W", "create the mapping under mut"),
    ),
    K: (path("always", "Service.mut W; mapping[].mu W", "id under mut, link nested under it"),),
    GC: (
        path("nothing expired", "Service.mut W", "scan the markers"),
        path("expired", "Service.mut W; mapping[].mu W x 1..components",
             "drop the ids under mut, then from each mapping under its lock"),
    ),
    COL: (path("always", "Service.mut W; mapping[].mu R x 0..components",
             "count under mut, then each mapping under its read lock"),),
}  # fmt: skip
_LOCKFREE = _everything("")
# directfanout makes the Fanout's calls (its labelstore is a no-op that no plan calls); one
# SeriesRefMappingStore per Fanout with 2+ children, named after the Fanout's index.
_REF = "appenders.SeriesRefMappingStore[]"
_DIRECTFANOUT = {
    Operation.GET_MAPPING: (path("always", f"{_REF}.refMappingMu R",
        "look the incoming ref up (the labels' hash when the ref is 0) and check the hash"),),
    Operation.CREATE_MAPPING: (path("always", f"{_REF}.refMappingMu W",
        "a new unique ref for the child refs (the hash computed before the lock)"),),
    Operation.UPDATE_MAPPING: (
        path("ref 0", "", "ignored: returns at once"),
        path("always", f"{_REF}.refMappingMu W", "store the new child refs; re-key a new hash"),
    ),
    Operation.TRACK_APPENDED_SERIES: (path("always", f"{_REF}.timestampTrackingMu W",
        "stamp every ref of the batch (once per Commit/Rollback)"),),
    Operation.CLEANUP_STALE_REFS: (path("always",
        f"{_REF}.timestampTrackingMu W; {_REF}.refMappingMu W",
        "remove refs not appended for 15 minutes, holding both locks"),),
}  # fmt: skip

LOCKING: Mapping[str, Statement] = MappingProxyType(
    {
        name: MappingProxyType(statement)
        for name, statement in (
            ("mutex", _MUTEX),
            ("rwmutex", _RWMUTEX),
            ("finegrained", _FINEGRAINED),
            ("sharded", _SHARDED),
            ("syncmap", _SYNCMAP),
            ("percomponent", _PERCOMPONENT),
            ("lockfree", _LOCKFREE),
            ("directfanout", _DIRECTFANOUT),
        )
    }
)


def matching_path(
    design: str, op: Operation, taken: Taken, shards: int, components: int, stdlib: bool = True
) -> Path | None:
    """The stated path of ``design``'s ``op`` that ``taken`` is, if any."""
    for p in LOCKING[design][op]:
        if p.matches(taken, shards, components, stdlib):
            return p
    return None


def describe_takes(takes: tuple[Take, ...]) -> str:
    """``shard[].mut W ×1..shards; …`` (``no lock`` for none), for ``lsim stores DESIGN``."""
    parts = []
    for t in takes:
        count = (
            ""
            if (t.lo, t.hi) == ("1", "1")
            else f" ×{t.lo}" + ("" if t.lo == t.hi else f"..{t.hi}")
        )
        parts.append(f"{t.role} {t.mode}{count}")
    return " > ".join(parts) or "no lock"


def statement_rows(design: str) -> list[tuple[str, str, str, str]]:
    """(operation, case, locks in order taken, what is done) for each stated path."""
    return [
        (op.go_name, p.when, describe_takes(p.takes), p.does)
        for op, paths in LOCKING[design].items()
        for p in paths
    ]
