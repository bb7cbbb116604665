"""The notation of the locking statement (``lsim/stores/locking.py``): a path of lock takes,
and, where the model derives its lock script from it, the costs done under each take.

A path is written ``"<role> <W|R> [x <count>]; ..."``: W exclusive, R the read side; a count
is ``N``, ``shards``, ``components`` or a range ``lo..hi`` of those (``shards``: the store's
shard count, ``components``: the components the store knows; ``many`` as ``hi``: no upper
bound, for a lock taken once per item of a batch). A path takes exactly what it lists; a
call matches its operation when it matches one path.

What a path does under its takes, for the model (``under=``, one part per take, ``;`` apart):
``[hold] <cost>[, writes <count>]``. The cost is a sum of products of the terms of
``lsim/workload/costs.py`` (:data:`COST_TERMS`) and the call's facts (:data:`FACTS`); ``hold``
keeps the lock over the rest of the path (released at its end, innermost first), otherwise
the lock is released before the next take; ``writes`` is the number of maps the section
wrote (cache lines the next owner fetches). ``before=`` is a cost of the call done before
its first lock. A take counted over several locks (``x components``, ``x shards``) is one
section per lock of that role. ``when`` names the case a path covers; :data:`CASES` says how
the model tells the cases apart.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

Mode = Literal["W", "R"]
Taken = Counter[tuple[str, str]]  # (role, mode) -> acquisitions

# Locks taken inside Go's standard library (sync.Map's own mutex): the Python stores model
# them and count them; the Go stores cannot (the lock is private to sync.Map). syncmap has
# one sync.Map; lockfree's every map is one (lsim/engine/go/src/labelstore/lockfree.go).
STDLIB_LOCKS = frozenset(
    {
        "Service.mappings(sync.Map).mu",
        "Service.labelsHashToGlobal(sync.Map).mu",
        "Service.staleGlobals(sync.Map).mu",
        "Service.colliding(sync.Map).mu",
        "mapping[].localToGlobal(sync.Map).mu",
        "mapping[].globalToLocal(sync.Map).mu",
    }
)
MANY = 1 << 62  # the bound ``many``: as good as none

# The cost terms a statement may use: letter -> the lsim/workload/costs.py entry it stands for.
COST_TERMS = {
    "H": "hash_ns",  # hash a label set
    "M": "map_hit_ns",  # one map lookup
    "I": "map_insert_ns",  # one map insert or delete
    "N": "new_series_ns",  # a never-seen label set's extra (growth, allocation, GC)
    "L": "lock_uncontended_ns",  # Lock + Unlock, uncontended
}
# The facts of one call a cost may depend on (``x?`` is 1 when x > 0, else 0).
FACTS = {
    "miss": "1 when the label set's hash is new (a global id is inserted), else 0",
    "known": "1 when the component's mapping exists before the call, else 0",
    "marked": "stale markers the TrackStaleness batch records",
    "live": "live series the TrackStaleness batch clears",
    "expired": "markers CheckAndRemoveStaleMarkers removes",
    # a growing map's accesses (lsim/engine/model/far.py): the extra ns one access costs
    # now, as the share of the map's entries the caches cannot hold (0 while they fit)
    "Fs": "ns beyond M of one access to labelsHashToGlobal, by its size (0 while cached)",
    "Fl": "ns beyond M or I of one access to the component's localToGlobal, by its size",
    "Fg": "ns beyond M or I of one access to the component's globalToLocal, by its size",
    "C": "the components the model runs (one lock each, where a design has a lock each)",
    # directfanout's calls (one Fanout's SeriesRefMappingStore)
    "ref": "1 when the call is given a ref other than 0, else 0",
    "probes": "map probes GetMapping makes (2: by the labels' hash, then the mapping)",
    "refs": "refs a TrackAppendedSeries batch stamps",
    "tracked": "refs cleanupStaleRefs looks at",
    "removed": "refs cleanupStaleRefs removes",
}
# when -> (fact, the value that selects the path); "always": whatever the facts.
CASES: dict[str, tuple[str, bool]] = {
    "hit": ("miss", False),
    "miss": ("miss", True),
    "known": ("known", True),
    "component unknown": ("known", False),
    "new component": ("known", False),
    "expired": ("expired", True),
    "nothing expired": ("expired", False),
    "ref 0": ("ref", False),
}

_INDEX = re.compile(r"\[[^\]]*\]")
_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z]+\??)|(.))")
Monomial = tuple[int, tuple[str, ...]]  # coefficient, the names multiplied


def lock_role(name: str) -> str:
    """``labelstore.shard[07].mut`` -> ``shard[].mut``."""
    return _INDEX.sub("[]", name.removeprefix("labelstore."))


@dataclass(frozen=True, slots=True)
class Cost:
    """A sum of products of cost terms and facts, expanded: ``L+H+M+miss*(I+N)``."""

    text: str
    terms: tuple[Monomial, ...]

    def __str__(self) -> str:
        return self.text


def cost(text: str) -> Cost:
    """Parse ``text`` (``+``, ``*``, brackets, integers, :data:`COST_TERMS`, :data:`FACTS`)."""
    found: list[tuple[str, str, str]] = _TOKEN.findall(text.strip())
    tokens = [num or name or other for num, name, other in found]
    pos = 0

    def peek() -> str:
        return tokens[pos] if pos < len(tokens) else ""

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1] if pos <= len(tokens) else ""

    def factor() -> list[Monomial]:
        tok = take()
        if tok == "(":
            inner = total()
            if take() != ")":
                raise ValueError(f"unbalanced brackets in cost {text!r}")
            return inner
        if tok.isdigit():
            return [(int(tok), ())]
        if tok in COST_TERMS or tok.rstrip("?") in FACTS:
            return [(1, (tok,))]
        raise ValueError(f"bad cost {text!r}: {tok!r} is no cost term, fact or number")

    def product() -> list[Monomial]:
        out = factor()
        while peek() == "*":
            take()
            right = factor()
            out = [(a * b, fa + fb) for a, fa in out for b, fb in right]
        return out

    def total() -> list[Monomial]:
        out = product()
        while peek() == "+":
            take()
            out += product()
        return out

    terms = total()
    if pos != len(tokens):
        raise ValueError(f"bad cost {text!r}: unexpected {tokens[pos]!r}")
    return Cost(text.strip(), tuple(terms))


NO_COST = Cost("0", ())


@dataclass(frozen=True, slots=True)
class Under:
    """What a path does under one take: ``cost``, then release (unless ``hold``)."""

    cost: Cost
    writes: Cost = NO_COST
    hold: bool = False


@dataclass(frozen=True, slots=True)
class Take:
    role: str
    mode: Mode
    lo: str = "1"  # an int, "shards" or "components" (hi also "many")
    hi: str = "1"

    def bounds(self, shards: int, components: int) -> tuple[int, int]:
        sizes = {"shards": shards, "components": components, "many": MANY}

        def size(bound: str) -> int:
            return sizes[bound] if bound in sizes else int(bound)

        return size(self.lo), size(self.hi)

    @property
    def repeated(self) -> bool:
        """A take over every lock of its role (``x components``, ``x 1..shards``)."""
        return not self.hi.isdigit() or int(self.hi) > 1


@dataclass(frozen=True, slots=True)
class Path:
    when: str  # the case it covers: "always", "miss", "component unknown", ...
    takes: tuple[Take, ...]
    does: str  # what the call does under the locks, in words
    under: tuple[Under, ...] | None = None  # the model's costs per take (None: not stated)
    before: Cost = NO_COST  # the model's cost before the first lock

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


def _under(part: str) -> Under:
    m = re.fullmatch(r"(hold\s+)?(.+?)(?:,\s*writes\s+(.+))?", part.strip())
    if m is None:
        raise ValueError(f"bad section {part!r} (want '[hold] <cost>[, writes <count>]')")
    hold, spent, writes = m.groups()
    return Under(cost(spent), cost(writes) if writes else NO_COST, hold is not None)


def path(when: str, takes: str, does: str, under: str | None = None, before: str = "") -> Path:
    """``path("miss", "Service.globalMut R; Service.globalMut W", "...", "L+H+M; L+M+I")``."""
    parsed: list[Take] = []
    for part in filter(None, (p.strip() for p in takes.split(";"))):
        m = re.fullmatch(r"(\S+) (W|R)(?: x (\w+)(?:\.\.(\w+))?)?", part)
        if m is None:
            raise ValueError(f"bad lock take {part!r} (want '<role> <W|R> [x <lo>[..<hi>]]')")
        role, mode, lo, hi = m.groups()
        parsed.append(Take(role, "W" if mode == "W" else "R", lo or "1", hi or lo or "1"))
    sections = None
    if under is not None:
        sections = tuple(_under(p) for p in under.split(";")) if parsed else ()
        if len(sections) != len(parsed):
            raise ValueError(f"{when!r}: {len(sections)} sections for {len(parsed)} takes")
        if any(u.hold and t.repeated for u, t in zip(sections, parsed, strict=True)):
            raise ValueError(f"{when!r}: a take over several locks cannot be held")
        if when != "always" and when not in CASES:
            raise ValueError(f"{when!r}: the model cannot tell this case (see CASES)")
    return Path(when, tuple(parsed), does, sections, cost(before) if before else NO_COST)
