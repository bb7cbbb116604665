"""Which goroutine is where: a dump record -> (state, store operation, lock), as a person reads it.

* The **store** frames are those ``--store-method`` matches (default: any exported method of
  a type in a package named ``labelstore`` -- Alloy's ``github.com/grafana/alloy/internal/
  service/labelstore.(*Service).GetOrAddGlobalRefID``, lsim's Go program's
  ``lsim/labelstore.(*Service)...`` and the sharded wrapper ``(*ShardedService)``). The
  outermost store frame names the operation (the method its caller called).
* The **lock** frames are those ``--lock`` matches (default: ``sync.(*Mutex).Lock``,
  ``sync.(*RWMutex).RLock``/``Lock`` and Go 1.24's ``internal/sync`` ones) between the leaf
  and the innermost store frame. The one nearest the store says the kind, so Go 1.19's
  ``[semacquire]`` gets the newer name (``sync.RWMutex.RLock``) and a writer queued on an
  RWMutex's inner mutex counts as ``sync.RWMutex.Lock``, the lock the store called.
* A goroutine is **blocked** on the store's lock when its header says it waits on a lock
  (``semacquire``, ``sync.Mutex.Lock``, ...) and it has a lock frame under a store frame
  (``debug=1`` prints no states: a semaphore leaf frame says it). A lock wait anywhere else
  is ``<state> elsewhere``, which is not counted as blocked on the store.
* The lock's **name**: ``labelstore.Service.<field>``, the field read from the source line
  that calls ``Lock`` when that file is on this machine (``s.globalMut.RLock()`` ->
  ``globalMut``), else ``mut`` (Alloy's field). Under a wrapper of another type (the
  sharded service) the inner receiver is a shard: ``labelstore.shard[NN].mut``, shards told
  apart by the receiver's address. With your own ``--store-method`` the owner is
  ``package.Type``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lsim.analyze.grammar import Record
from lsim.errors import ConfigError

DEFAULT_STORE_METHOD = (
    r"^(?P<package>(?:[\w.~-]+/)*labelstore)\.\(?\*?(?P<type>\w+)(?:\[[^\]]*\])?\)?"
    r"\.(?P<method>[A-Z]\w*)$"
)
DEFAULT_LOCK = r"^(?:internal/)?sync\.\(\*(?:RW)?Mutex\)\.(?:R?Lock|lockSlow|rUnlockSlow)$"
LOCK_WAIT_STATUSES = frozenset({"semacquire", "sync.Mutex.Lock", "sync.RWMutex.RLock",
                                "sync.RWMutex.Lock"})  # fmt: skip
# Callers of the store (for ``lsim fit``: who would call it again after a pause): Alloy's scrape
# loops and the worker goroutines of lsim's Go program.
DEFAULT_CALLERS = (
    r"scrape\.\(\*scrapeLoop\)\.|^lsim/executor\.|^main\.(?:worker|scrape|remoteWrite)"
)
DEFAULT_FIELD = "mut"
SOURCE_LIMIT = 4 << 20  # read a source file for a lock's field name only if it is this small
_LOCK_CALL = re.compile(r"(\w+)\s*\.\s*(?:R?Lock|TryR?Lock)\s*\(\s*\)")
_GENERIC_OWNER = re.compile(r"^(?P<package>.*?)\.\(?\*?(?P<type>\w+)(?:\[[^\]]*\])?\)?\.\w+$")


def compile_pattern(text: str, flag: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as error:
        raise ConfigError(f"not a regular expression ({error})", source=flag) from None


@dataclass(frozen=True)
class Matchers:
    """``--store-method`` and ``--lock``, compiled."""

    store: re.Pattern[str]
    lock: re.Pattern[str]
    default: bool = True  # the labelstore defaults: every store type is "the Service"
    read_source: bool = True
    callers: re.Pattern[str] = re.compile(DEFAULT_CALLERS)

    @classmethod
    def of(cls, store_method: str | None = None, lock: str | None = None,
           read_source: bool = True, callers: str | None = None) -> Matchers:  # fmt: skip
        return cls(
            compile_pattern(store_method or DEFAULT_STORE_METHOD, "--store-method"),
            compile_pattern(lock or DEFAULT_LOCK, "--lock"),
            default=store_method is None,
            read_source=read_source,
            callers=compile_pattern(callers or DEFAULT_CALLERS, "--callers"),
        )


@dataclass(frozen=True, slots=True)
class Kind:
    """What a stack (with its header state) says, before per-goroutine details."""

    state: str
    operation: str  # "" outside the store
    owner: str  # lock owner, "labelstore.Service"; "" when the goroutine is at no store lock
    call_frame: int  # index of the innermost store frame (it calls Lock); -1 none
    shard_frame: int  # the same frame when it is a shard under a wrapper; -1 otherwise
    store_frames: tuple[int, int]  # (innermost, outermost) store frame indexes; (-1, -1)
    lock_frames: tuple[int, ...] = ()  # the lock frames under the store, leaf first
    caller: bool = False  # outside the store, but a --callers frame is on the stack

    @property
    def in_store(self) -> bool:
        return bool(self.operation)


def lock_kind(function: str) -> str:
    """The wait state a lock frame stands for."""
    if "RWMutex" in function:
        return "sync.RWMutex.RLock" if ".RLock" in function or "rlock" in function.lower() \
            else "sync.RWMutex.Lock"  # fmt: skip
    return "sync.Mutex.Lock"


def _semacquire_name(functions: list[str]) -> str:
    """Go 1.19's ``[semacquire]`` outside a lock: name it by the sync frame, as newer Go does."""
    for fn in functions:
        if fn.endswith("sync.(*WaitGroup).Wait"):
            return "sync.WaitGroup.Wait"
        if fn.endswith("sync.(*Cond).Wait"):
            return "sync.Cond.Wait"
        if fn.endswith(("sync.(*Mutex).Lock", "sync.(*Mutex).lockSlow")):
            return "sync.Mutex.Lock elsewhere"
        if fn.endswith("sync.(*RWMutex).RLock"):
            return "sync.RWMutex.RLock elsewhere"
        if fn.endswith("sync.(*RWMutex).Lock"):
            return "sync.RWMutex.Lock elsewhere"
    return "semacquire"


@dataclass
class Classifier:
    """Classifies records; caches by stack, reads source lines once."""

    matchers: Matchers
    _kinds: dict[tuple[str, tuple[str, ...]], Kind] = field(default_factory=dict)
    _fields: dict[str, str] = field(default_factory=dict)
    _sources: dict[str, list[str] | None] = field(default_factory=dict)
    _shards: dict[str, int] = field(default_factory=dict)  # receiver address -> shard index

    def kind(self, rec: Record, functions: list[str]) -> Kind:
        key = (rec.status, tuple(functions))
        found = self._kinds.get(key)
        if found is None:
            found = self._kinds[key] = self._classify(rec.debug, rec.status, functions)
        return found

    def _classify(self, debug: int, status: str, functions: list[str]) -> Kind:
        m = self.matchers
        store = [i for i, fn in enumerate(functions) if m.store.search(fn)]
        inner, outer = (store[0], store[-1]) if store else (-1, -1)
        below = functions[:inner] if store else functions
        locks = [i for i, fn in enumerate(below) if m.lock.search(fn)]
        if debug == 1:
            leaf = functions[0] if functions else ""
            waiting = "runtime_Semacquire" in leaf or "runtime_notifyListWait" in leaf
            if waiting:
                status = "semacquire"
            elif leaf.startswith("time.Sleep"):
                status = "sleep"
            elif any(fn.startswith("runtime/pprof.write") for fn in functions) or locks:
                status = "running"
            else:
                status = "waiting"
        operation = self._method(functions[outer]) if store else ""
        owner, shard = "", -1
        if store and locks:
            owner = self._owner(functions[inner])
            if len({self._type(functions[i]) for i in store}) > 1:
                shard = inner  # a wrapper of another type around it: the inner one is a shard
        if status in LOCK_WAIT_STATUSES:
            if store and locks:
                state = lock_kind(functions[locks[-1]])
            elif store:
                state = f"{status} elsewhere"  # a lock --lock does not name
                owner = ""
            else:
                state = _semacquire_name(functions) if status == "semacquire" \
                    else f"{status} elsewhere"  # fmt: skip
        else:
            state = status
        call = inner if owner else -1
        caller = not store and any(m.callers.search(fn) for fn in functions)
        return Kind(state, operation, owner, call, shard if owner else -1, (inner, outer),
                    tuple(locks) if owner else (), caller)  # fmt: skip

    def _method(self, function: str) -> str:
        match = self.matchers.store.search(function)
        if match is not None and "method" in match.groupdict() and match.group("method"):
            return match.group("method")
        return function.rsplit(".", 1)[-1]

    def _type(self, function: str) -> str:
        match = self.matchers.store.search(function)
        typ = match.groupdict().get("type") if match is not None else None
        if typ:
            return typ
        generic = _GENERIC_OWNER.match(function)
        return generic.group("type") if generic else function

    def _owner(self, function: str) -> str:
        match = self.matchers.store.search(function)
        groups = match.groupdict() if match is not None else {}
        generic = _GENERIC_OWNER.match(function)
        package = groups.get("package") or (generic.group("package") if generic else "")
        typ = groups.get("type") or (generic.group("type") if generic else "")
        short = package.rsplit("/", 1)[-1]
        if self.matchers.default:
            return f"{short}.Service"  # lsim names every design's locks labelstore.Service.*
        return f"{short}.{typ}" if typ else short

    def new_process(self) -> None:
        """A new dump begins: addresses seen so far belong to another process (or moment)."""
        self._shards.clear()

    # -- per goroutine ------------------------------------------------------------------------
    def lock_name(self, kind: Kind, rec: Record) -> tuple[str, int]:
        """``(lock name, shard index or -1)`` for a goroutine at a store lock."""
        if not kind.owner:
            return "", -1
        where = rec.files[kind.call_frame] if kind.call_frame < len(rec.files) else ""
        name = self._field(where)
        if kind.shard_frame < 0 or kind.shard_frame >= len(rec.calls):
            return f"{kind.owner}.{name}", -1
        package = kind.owner.rsplit(".", 1)[0]
        address = _lock_address(rec, kind)
        if not address:
            return f"{package}.shard[?].{name}", -1
        index = self._shards.setdefault(address, len(self._shards))
        return f"{package}.shard[{index:02d}].{name}", index

    def _field(self, where: str) -> str:
        """The lock's field from the call site's source line, if that file is here."""
        found = self._fields.get(where)
        if found is not None:
            return found
        name = DEFAULT_FIELD
        file, _, line = where.rpartition(":")
        if self.matchers.read_source and file and line.isdigit():
            lines = self._source(file)
            number = int(line)
            if lines is not None and 1 <= number <= len(lines):
                calls = _LOCK_CALL.findall(lines[number - 1])
                if calls:
                    name = calls[-1]
        self._fields[where] = name
        return name

    def _source(self, file: str) -> list[str] | None:
        if file not in self._sources:
            text: list[str] | None = None
            try:
                path = Path(file)
                if path.is_file() and path.stat().st_size <= SOURCE_LIMIT:
                    text = path.read_text(errors="replace").splitlines()
            except (OSError, ValueError):
                text = None
            self._sources[file] = text
        return self._sources[file]


def _first_arg(call: str) -> str:
    """The first argument word of a ``debug=2`` frame, ``?`` kept (Go marks unsure ones)."""
    args = call[call.rfind("(") + 1 : -1]
    return args.split(",", 1)[0].strip()


def _lock_address(rec: Record, kind: Kind) -> str:
    """The lock's identity in a ``debug=2`` dump: the mutex address a lock frame got (e.g.
    ``sync.(*Mutex).lockSlow(0xc0000b2020)``), else the shard's receiver; words Go prints
    with ``?`` (possibly stale registers) only if nothing surer is there, never ``0x0``."""
    if rec.debug != 2:
        return ""
    words = [_first_arg(rec.calls[i]) for i in (*kind.lock_frames[::-1], kind.shard_frame)
             if 0 <= i < len(rec.calls)]  # fmt: skip
    sure = [w for w in words if w.startswith("0x") and not w.endswith("?") and w != "0x0"]
    if sure:
        return sure[0]
    unsure = [w.rstrip("?") for w in words if w.startswith("0x") and w.rstrip("?") != "0x0"]
    return unsure[0] if unsure else ""
