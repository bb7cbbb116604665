"""Each design's locking, stated once: per operation, which locks a call takes, in which
mode, how many times, and what it does under them (in words, and as the model's costs).

The Python stores, the model's lock scripts (``lsim/engine/model/designs*.py``) and the Go
stores (``lsim/engine/go/src/labelstore``) are three implementations of this one statement;
``tests/stores/test_locking_statement.py`` and ``tests/engine/go/test_locking_statement.py``
trace the real lock acquisitions of each against it, call by call, and check that every
path stated here is taken by some traced call (no stale entries). Where a path also states
its costs (``under=``, ``before=``), the model's lock script is *derived* from it
(``lsim/engine/model/stated.py``); the notation is ``lsim/stores/lockpath.py``'s.
``lsim stores DESIGN`` prints a design's statement.

A lock is named by its *role*: its name without the ``labelstore.`` prefix and with any
``[index]`` emptied (``shard[07].mut`` -> ``shard[].mut``, ``mapping[component_0].mu`` ->
``mapping[].mu``). :data:`LOCKS` lists each design's locks, in the order its store creates
them, with their kind and what an indexed role is indexed by.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from lsim.stores.lockpath import (
    CASES,
    COST_TERMS,
    FACTS,
    STDLIB_LOCKS,
    Cost,
    Mode,
    Path,
    Take,
    Taken,
    Under,
    lock_role,
    path,
)
from lsim.sync.states import LABELSTORE_OPERATIONS, Operation

__all__ = [
    "CASES", "COST_TERMS", "FACTS", "LOCKING", "LOCKS", "STDLIB_LOCKS", "Cost", "LockDecl",
    "cost_legend",
    "Mode", "Path", "Statement", "Take", "Taken", "Under", "describe_costs", "describe_takes",
    "lock_role",
    "matching_path", "path", "statement_rows",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class LockDecl:
    """One lock role of a design: its kind, and what its ``[index]`` runs over, if any."""

    role: str
    kind: Literal["Mutex", "RWMutex"]
    per: Literal["", "component", "shard", "fanout"] = ""


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


# The model's costs of each operation under one lock, as (``under=``, ``before=``) in the
# notation of lockpath.py: H hash, M map lookup, I map insert/delete, N a new series' extra,
# L Lock+Unlock; "writes" counts the maps written (cache lines the next owner fetches).
# Fs, Fl, Fg: the accesses to the maps that grow (label sets, each direction of a link) pay
# for the share of them the caches cannot hold; the component's mapping itself is one of a
# few, always cached. A miss's insert finds the bucket its lookup just fetched: no second F.
ONE_LOCK = {
    G: ("L+H+M+Fs+miss*(I+N), writes miss", ""),  # the hash map; a miss inserts a new id
    L: ("L+2*M+Fg", ""),  # the component's mapping, then the id in it
    A: ("L+M+2*I+Fl+Fg, writes 2", ""),  # the mapping, then both directions
    R: ("L+M+3*I+2*Fl+Fg, writes 2", ""),  # as Add, and the old local id deleted
    K: ("L+H+M+Fs+miss*(I+N)+M+2*I+Fl+Fg, writes 2+miss", ""),  # GetOrAdd, then Add
    T: ("L+marked*I+live*M, writes marked?", "marked*H"),  # hashing the markers: unlocked
    # per expired marker: its entry, its hash's id and both links of every component
    GC: ("L+M+expired*(1+2*C)*I, writes expired?*(2+2*C)", ""),
    COL: ("L+(1+C)*M", ""),  # the id count and each component's
}


def _one_lock(takes: str, *, costs: bool = True) -> dict[Operation, tuple[Path, ...]]:
    """Every operation under ``takes`` (with the model's costs of one lock, if ``costs``)."""
    return {
        op: (path("always", takes, DOES[op], *(ONE_LOCK[op] if costs else (None, ""))),)
        for op in _OPS
    }


_MUTEX = _one_lock("Service.mut W")
_RWMUTEX = {
    **_MUTEX,
    L: (path("always", "Service.mut R", DOES[L], ONE_LOCK[L][0]),),
    COL: (path("always", "Service.mut R", DOES[COL], ONE_LOCK[COL][0]),),
}
_FINEGRAINED = {
    G: (
        path("hit", "Service.globalMut R", "hash, look up under the read lock", "L+H+M+Fs"),
        path("miss", "Service.globalMut R; Service.globalMut W",
             "a read-lock miss, then re-check and insert under the write lock",
             "L+H+M+Fs; L+M+I+N, writes 1"),
    ),
    L: (path("always", "Service.mappingsMut R", DOES[L], ONE_LOCK[L][0]),),
    A: (path("always", "Service.mappingsMut W", DOES[A], ONE_LOCK[A][0]),),
    R: (path("always", "Service.mappingsMut W", DOES[R], ONE_LOCK[R][0]),),
    K: (
        path("hit", "Service.globalMut R; Service.mappingsMut W",
             "id under globalMut R, link under mappingsMut W (nested)",
             "hold L+H+M+Fs; L+M+2*I+Fl+Fg, writes 2"),
        path("miss", "Service.globalMut R; Service.globalMut W; Service.mappingsMut W",
             "insert under globalMut W, link under mappingsMut W (nested)",
             "L+H+M+Fs; hold L+M+I+N, writes 1; L+M+2*I+Fl+Fg, writes 2"),
    ),
    T: (path("always", "Service.stalenessMut W", DOES[T], *ONE_LOCK[T]),),
    GC: (
        path("nothing expired", "Service.stalenessMut W", "scan the markers", "L+M"),
        path("expired", "Service.stalenessMut W; Service.globalMut W; Service.mappingsMut W",
             "stalenessMut > globalMut W > mappingsMut W, in that order",
             "hold L+M+expired*I, writes 1; hold L+expired*I, writes 1;"
             " L+2*expired*C*I, writes 2*C"),
    ),
    COL: (path("always", "Service.globalMut R; Service.mappingsMut R", DOES[COL],
               "hold L+M; L+C*M"),),
}  # fmt: skip
# The model's sharded: the five per-series calls derived (on the call's shard); Track and GC
# split over shards by the model's own code (designs.py: ShardedDesign says why).
_SHARDED = {
    **{op: (path("always", "shard[].mut W", f"{DOES[op]}, on the series' or id's shard",
                 ONE_LOCK[op][0], "H" if op in (G, K) else ""),)  # H: the wrapper routes
       for op in (G, L, A, R, K)},
    T: (path("always", "shard[].mut W x 1..shards", "one section per shard touched"),),
    GC: (path("always", "shard[].mut W x shards", "every shard in turn"),),
    COL: (path("always", "shard[].mut W x shards", "every shard in turn", ONE_LOCK[COL][0]),),
}  # fmt: skip
_SYNCMAP_MU = "Service.mappings(sync.Map).mu"
# The component lookups are hand-written in the model (designs_maps.py says why).
_SYNCMAP = {
    **_MUTEX,
    L: (
        path("component unknown", "", "a sync.Map load misses: no lock, returns 0"),
        path("unknown, dirty map", f"{_SYNCMAP_MU} W",
             "the load misses the read-only map and the dirty map: returns 0"),
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
# Copy-on-write mappings: finding a component's mapping is a lock-free lookup (before=M).
_PERCOMPONENT = {
    **_MUTEX,
    L: (
        path("component unknown", "", "no mapping yet: returns 0", "", "M"),
        path("known", "mapping[].mu R", "the id under the component's read lock", "L+M+Fg",
             "M"),
    ),
    A: (
        path("known", "mapping[].mu W", DOES[A], "L+2*I+Fl+Fg, writes 2", "M"),
        path("new component", "Service.mut W; mapping[].mu W", "create the mapping under mut",
             "L+M+I, writes 1; L+2*I+Fl+Fg, writes 2", "M"),
    ),
    R: (
        path("known", "mapping[].mu W", DOES[R], "L+3*I+2*Fl+Fg, writes 2", "M"),
        path("new component", "Service.mut W; mapping[].mu W", "create the mapping under mut",
             "L+M+I, writes 1; L+2*I+Fl+Fg, writes 2", "M"),
    ),
    K: (path("always", "Service.mut W; mapping[].mu W", "id under mut, link nested under it",
             "hold L+H+M+Fs+miss*(I+N)+M, writes miss; L+2*I+Fl+Fg, writes 2"),),
    GC: (
        path("nothing expired", "Service.mut W", "scan the markers", "L+M"),
        path("expired", "Service.mut W; mapping[].mu W x 1..components",
             "drop the ids under mut, then from each mapping under its lock",
             "hold L+M+expired*I, writes 2; L+2*expired*I, writes 2"),
    ),
    COL: (path("always", "Service.mut W; mapping[].mu R x 0..components",
             "count under mut, then each mapping under its read lock", "hold L+M; L+M"),),
}  # fmt: skip
# No store lock: every map a Go 1.19 sync.Map, whose mutex a call takes on a load that misses
# the read-only snapshot while the dirty map has newer keys and on a store of a new key
# (lsim/stores/gosyncmap.py). Which calls do is the map's state, so the model is hand-written
# (designs_maps.py), charging per sync.Map call M lock-free (+ an atomic for a CAS) or
# L+2*M under the mutex (+ I for a new key or a delete in the dirty map, else an atomic for
# a value stored; + M per entry a new dirty map copies); a new id's N with its LoadOrStore,
# as every design charges N with the hash map's insert.
_LF = {k: f"{v}(sync.Map).mu" for k, v in (
    ("h", "Service.labelsHashToGlobal"), ("m", "Service.mappings"), ("s", "Service.staleGlobals"),
    ("c", "Service.colliding"), ("l", "mapping[].localToGlobal"), ("g", "mapping[].globalToLocal"),
)}  # fmt: skip
_LF_GET = f"{_LF['h']} W x 0..2; {_LF['c']} W x 0..1"
_LF_LINK = f"{_LF['m']} W x 0..2; {_LF['l']} W x 0..1; {_LF['g']} W x 0..1"
_LOCKFREE = {
    G: (path("always", _LF_GET, "Load the hash; on a miss draw an id (atomic) and LoadOrStore"
             " it; a label set colliding with another is noted in colliding"),),
    L: (path("always", f"{_LF['m']} W x 0..1; {_LF['g']} W x 0..1",
             "Load the mapping, then Load the id from its globalToLocal"),),
    A: (path("always", _LF_LINK, "Load the mapping (LoadOrStore a new one), then Store"
             " localToGlobal and globalToLocal"),),
    R: (path("always", f"{_LF['m']} W x 0..3; {_LF['l']} W x 0..2; {_LF['g']} W x 0..1",
             "Load the mapping (none: as AddLocalLink), delete the old local id, link the new"),),
    K: (path("always", f"{_LF_GET}; {_LF_LINK}", "GetOrAddGlobalRefID, then AddLocalLink"),),
    T: (path("always", f"{_LF['s']} W x 0..many",
             "hash the markers, Store each in staleGlobals; delete the live ones"),),
    GC: (path("always", f"{_LF['s']} W x 0..many; {_LF['h']} W x 0..many; {_LF['m']} W x 0..1;"
              f" {_LF['g']} W x 0..many; {_LF['l']} W x 0..many",
              "Range the markers, LoadAndDelete the expired ones (put back a re-marked one),"
              " delete their hashes, Range the mappings and delete both links of each id"),),
    COL: (path("always", f"{_LF['h']} W x 0..1; {_LF['m']} W x 0..1; {_LF['g']} W x 0..components",
               "Range the hash map, the mappings and each mapping's globalToLocal"),),
}  # fmt: skip
# directfanout makes the Fanout's calls (its labelstore is a no-op that no plan calls); one
# SeriesRefMappingStore per Fanout with 2+ children, named after the Fanout's index.
_REF = "appenders.SeriesRefMappingStore[]"
_DIRECTFANOUT = {
    Operation.GET_MAPPING: (path("always", f"{_REF}.refMappingMu R",
        "look the incoming ref up (the labels' hash when the ref is 0) and check the hash",
        "L+probes*(H+M)"),),
    Operation.CREATE_MAPPING: (path("always", f"{_REF}.refMappingMu W",
        "a new unique ref for the child refs (the hash computed before the lock)",
        "L+2*I+N, writes 2"),),
    Operation.UPDATE_MAPPING: (
        path("ref 0", "", "ignored: returns at once", ""),
        path("always", f"{_REF}.refMappingMu W", "store the new child refs; re-key a new hash",
             "L+2*H+M+I, writes 1"),
    ),
    Operation.TRACK_APPENDED_SERIES: (path("always", f"{_REF}.timestampTrackingMu W",
        "stamp every ref of the batch (once per Commit/Rollback)", "L+refs*M, writes 1"),),
    Operation.CLEANUP_STALE_REFS: (path("always",
        f"{_REF}.timestampTrackingMu W; {_REF}.refMappingMu W",
        "remove refs not appended for 15 minutes, holding both locks",
        "hold 0, writes removed?; 2*L+tracked*M+3*removed*I, writes 2*removed?"),),
}  # fmt: skip

_SERVICE_MUT = LockDecl("Service.mut", "Mutex")
LOCKS: Mapping[str, tuple[LockDecl, ...]] = MappingProxyType(
    {
        "mutex": (_SERVICE_MUT,),
        "rwmutex": (LockDecl("Service.mut", "RWMutex"),),
        "finegrained": (
            LockDecl("Service.stalenessMut", "Mutex"),
            LockDecl("Service.globalMut", "RWMutex"),
            LockDecl("Service.mappingsMut", "RWMutex"),
        ),
        "sharded": (LockDecl("shard[].mut", "Mutex", "shard"),),
        "syncmap": (_SERVICE_MUT, LockDecl(_SYNCMAP_MU, "Mutex")),
        "percomponent": (_SERVICE_MUT, LockDecl("mapping[].mu", "RWMutex", "component")),
        "lockfree": tuple(
            LockDecl(_LF[k], "Mutex", "component" if k in "lg" else "") for k in "hmsclg"
        ),  # fmt: skip
        "directfanout": (
            LockDecl(f"{_REF}.refMappingMu", "RWMutex", "fanout"),
            LockDecl(f"{_REF}.timestampTrackingMu", "Mutex", "fanout"),
        ),
    }
)

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


def describe_costs(p: Path) -> str:
    """``model: M outside; L+M+I, writes 1; ...`` (the path's ``before=`` and ``under=``)."""
    if p.under is None:
        return "model: hand-written"
    parts = [f"{p.before} outside"] if p.before.terms else []
    for u in p.under:
        writes = f", writes {u.writes}" if u.writes.terms else ""
        parts.append(f"{'hold ' if u.hold else ''}{u.cost}{writes}")
    return "model: " + ("; ".join(parts) or "nothing")


def cost_legend(design: str) -> list[str]:
    """What each cost term and fact in ``design``'s stated costs stands for, one per line."""
    used: set[str] = set()
    for paths in LOCKING[design].values():
        for p in paths:
            costs = [p.before, *(c for u in p.under or () for c in (u.cost, u.writes))]
            for c in costs:
                for _, names in c.terms:
                    used.update(n.rstrip("?") for n in names)
    terms = [f"{t} = {COST_TERMS[t]}" for t in COST_TERMS if t in used]
    facts = [f"{f}: {FACTS[f]}" for f in FACTS if f in used]
    return ([f"model costs: {', '.join(terms)}"] if terms else []) + facts


def statement_rows(design: str) -> list[tuple[str, str, str, str]]:
    """(operation, case, locks in order taken, what is done and the model's costs) for each
    stated path."""
    return [
        (op.go_name, p.when, describe_takes(p.takes), f"{p.does} [{describe_costs(p)}]")
        for op, paths in LOCKING[design].items()
        for p in paths
    ]
