"""Go's ``sync.Map`` as it is before Go 1.24, and which path each of its calls takes.

:class:`SyncMap` follows Go 1.19's ``sync/map.go``: a read-only snapshot read without any
lock, a dirty map under the map's own Mutex (``mu``) holding the newer keys, a miss counter,
and promotion of the dirty map to the snapshot once misses reach its size. Values live in
entries shared by both maps; an entry is live, deleted (``p`` None) or *expunged* (deleted
and left out of the dirty map: storing to it again needs ``mu``). Published snapshots are
never mutated again, so a lock-free reader always sees a consistent dict.

When ``mu`` is taken (what the designs using sync.Maps pay for): ``Load``/``LoadAndDelete``
of a key not in the snapshot while the dirty map has newer keys (a miss, counted);
``Store``/``LoadOrStore`` of a key not in the snapshot, or expunged in it (and, for the first
new key after a promotion, copying the snapshot into a new dirty map, O(size), under
``mu``); ``Range`` while the dirty map has newer keys (it promotes first). Every other call is
lock-free. :func:`map_path` says which path a call would take from the map's state, without
changing it; with :attr:`SyncMap.trace` set, each call records its path there first (the
model engine reads it to charge the same sections: ``lsim/engine/model/designs_maps.py``).

Go swaps an entry's pointer with compare-and-swap; CPython has no CAS, so an entry's
read-modify-writes run under one of a few plain ``threading.Lock`` stripes (an atomic
instruction's stand-in, held for a few bytecodes, never an lsim lock and never reported).
Values must not be None.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, NamedTuple, TypeVar

from lsim.sync import Mutex

K = TypeVar("K")
V = TypeVar("V")

# The calls, as the trace names them.
LOAD, STORE, LOAD_OR_STORE, DELETE, RANGE = (
    "Load", "Store", "LoadOrStore", "LoadAndDelete", "Range",
)  # fmt: skip
_EXPUNGED: Any = object()  # Go's ``expunged`` pointer
_STRIPES = tuple(threading.Lock() for _ in range(64))


class MapPath(NamedTuple):
    """The path of one call: whether it takes ``mu``, whether the key held a live value,
    the snapshot entries a new dirty map copies under ``mu`` and the entries ``Range`` visits."""

    locked: bool
    found: bool
    copied: int = 0
    visited: int = 0


MapCall = tuple[str, str, MapPath]  # (the map mutex's name, the call, its path)


class _Entry:
    """Go's ``entry``: the value slot both maps share."""

    __slots__ = ("p", "_cas")

    def __init__(self, value: Any) -> None:
        self.p = value
        self._cas = _STRIPES[(id(self) >> 4) & 63]

    def load(self) -> Any:
        p = self.p
        return None if p is _EXPUNGED else p

    def try_store(self, value: Any) -> bool:
        with self._cas:
            if self.p is _EXPUNGED:
                return False
            self.p = value
            return True

    def try_load_or_store(self, value: Any) -> tuple[Any, bool]:
        """(the value now stored, ok); not ok when expunged (the caller takes ``mu``)."""
        with self._cas:
            p = self.p
            if p is _EXPUNGED:
                return None, False
            if p is None:
                self.p = p = value
            return p, True

    def delete(self) -> Any:
        with self._cas:
            p = self.p
            if p is None or p is _EXPUNGED:
                return None
            self.p = None
            return p

    def try_expunge_locked(self) -> bool:
        with self._cas:
            if self.p is None:
                self.p = _EXPUNGED
            return self.p is _EXPUNGED

    def unexpunge_locked(self) -> bool:
        with self._cas:
            if self.p is _EXPUNGED:
                self.p = None
                return True
            return False


class _ReadOnly(NamedTuple):
    m: dict[Any, _Entry]  # never mutated once published
    amended: bool  # the dirty map holds keys that m does not


class SyncMap(Generic[K, V]):
    """Go 1.19's ``sync.Map`` (``load``, ``store``, ``load_or_store``, ``load_and_delete``,
    ``items`` for Range); ``mu`` is an lsim Mutex named ``name``."""

    def __init__(self, name: str, trace: list[MapCall] | None = None) -> None:
        self.mu = Mutex(name)
        self._read = _ReadOnly({}, False)  # replaced as a whole, atomically
        self._dirty: dict[Any, _Entry] | None = None
        self._misses = 0
        self.promotions = 0
        self.trace = trace

    def _note(self, call: str, key: Any = None) -> None:
        assert self.trace is not None
        self.trace.append((self.mu.name, call, map_path(self, call, key)))

    def _unexpunge_locked(self, key: K, e: _Entry) -> None:
        """A key of the read-only map whose entry was expunged (left out of the dirty map
        when it was copied) goes back into the dirty map before it is stored to, as Go's
        ``unexpungeLocked`` callers do."""
        if e.unexpunge_locked():
            assert self._dirty is not None
            self._dirty[key] = e

    def load(self, key: K) -> V | None:
        if self.trace is not None:
            self._note(LOAD, key)
        read = self._read
        e = read.m.get(key)
        if e is None and read.amended:
            with self.mu:
                read = self._read  # re-check: a promotion may have happened meanwhile
                e = read.m.get(key)
                if e is None and read.amended and self._dirty is not None:
                    e = self._dirty.get(key)
                    self._miss_locked()  # counted whether or not the dirty map had it, as Go
        return None if e is None else e.load()

    def store(self, key: K, value: V) -> None:
        if self.trace is not None:
            self._note(STORE, key)
        e = self._read.m.get(key)
        if e is not None and e.try_store(value):
            return
        with self.mu:
            read = self._read
            e = read.m.get(key)
            if e is not None:
                self._unexpunge_locked(key, e)
                e.p = value
            elif self._dirty is not None and key in self._dirty:
                self._dirty[key].p = value
            else:
                self._new_key_locked(read)[key] = _Entry(value)

    def load_or_store(self, key: K, value: V) -> V:
        """The value stored for ``key``: the one found, or ``value`` now stored."""
        if self.trace is not None:
            self._note(LOAD_OR_STORE, key)
        e = self._read.m.get(key)
        if e is not None:
            actual, ok = e.try_load_or_store(value)
            if ok:
                return actual  # type: ignore[no-any-return]
        with self.mu:
            read = self._read
            e = read.m.get(key)
            if e is not None:
                self._unexpunge_locked(key, e)
                actual, _ = e.try_load_or_store(value)
            elif self._dirty is not None and key in self._dirty:
                actual, _ = self._dirty[key].try_load_or_store(value)
                self._miss_locked()
            else:
                self._new_key_locked(read)[key] = _Entry(value)
                actual = value
            return actual  # type: ignore[no-any-return]

    def load_and_delete(self, key: K) -> V | None:
        """``LoadAndDelete`` (``Delete`` is the same call): the value removed, or None."""
        if self.trace is not None:
            self._note(DELETE, key)
        read = self._read
        e = read.m.get(key)
        if e is None and read.amended:
            with self.mu:
                read = self._read
                e = read.m.get(key)
                if e is None and read.amended and self._dirty is not None:
                    e = self._dirty.pop(key, None)
                    self._miss_locked()
        return None if e is None else e.delete()

    def items(self) -> list[tuple[K, V]]:
        """``Range``: promotes a pending dirty map first, then iterates the snapshot."""
        if self.trace is not None:
            self._note(RANGE)
        read = self._read
        if read.amended:
            with self.mu:
                read = self._read
                if read.amended and self._dirty is not None:
                    read = self._promote_locked()
        out = []
        for k, e in read.m.items():
            v = e.load()
            if v is not None:
                out.append((k, v))
        return out

    def snapshot(self) -> dict[K, V]:
        """Every live key and value, without locking or promoting (tests, debugging: call
        it while no other call runs)."""
        dirty, read = self._dirty, self._read  # dirty first: a promotion may come between
        merged = dict(dirty) if dirty is not None else read.m
        return {k: v for k, e in merged.items() if (v := e.load()) is not None}

    def entries(self) -> int:
        """Keys the map's memory holds: the dirty map's while it has newer keys, else the
        snapshot's (deleted and expunged entries included, as they still take their slot)."""
        dirty, read = self._dirty, self._read
        return len(dirty) if read.amended and dirty is not None else len(read.m)

    def _new_key_locked(self, read: _ReadOnly) -> dict[Any, _Entry]:
        """The dirty map, made from the snapshot first if this is the first new key since
        the last promotion (Go's ``dirtyLocked``: deleted entries are expunged, not copied)."""
        if not read.amended:
            self._dirty = {k: e for k, e in read.m.items() if not e.try_expunge_locked()}
            self._read = _ReadOnly(read.m, True)
        assert self._dirty is not None
        return self._dirty

    def _miss_locked(self) -> None:
        self._misses += 1
        if self._dirty is not None and self._misses >= len(self._dirty):
            self._promote_locked()

    def _promote_locked(self) -> _ReadOnly:
        assert self._dirty is not None
        read = self._read = _ReadOnly(self._dirty, False)
        self._dirty = None
        self._misses = 0
        self.promotions += 1
        return read


def map_path(smap: SyncMap[Any, Any], call: str, key: Any = None) -> MapPath:
    """The path ``call`` on ``key`` takes in ``smap`` as it is now (read, not changed)."""
    read, dirty = smap._read, smap._dirty
    if call == RANGE:
        size = len(dirty) if read.amended and dirty is not None else len(read.m)
        return MapPath(read.amended, True, 0, size)
    e = read.m.get(key)
    if e is not None:  # in the snapshot: lock-free, unless a store finds it expunged
        locked = e.p is _EXPUNGED and call in (STORE, LOAD_OR_STORE)
        return MapPath(locked, e.load() is not None)
    d = dirty.get(key) if read.amended and dirty is not None else None
    found = d is not None and d.load() is not None
    if call in (LOAD, DELETE):  # past the snapshot only while the dirty map has newer keys
        return MapPath(read.amended, found)
    if d is not None:
        return MapPath(True, found)
    return MapPath(True, False, 0 if read.amended else len(read.m))  # a new key
