"""The eight store designs, registered by name (DESIGN.md §3).

``create_store("sharded", shards=32, clock=fake_clock)`` builds one; options other than
``shards`` go to the design's constructor (``layout``, ``stale_duration_s``, ``clock``,
``hasher``, ``lock_order`` for ``finegrained``, ``fanouts`` for ``directfanout``).
The first seven are labelstores (the original and the reference document's six options);
``directfanout`` is what Alloy merged instead (no labelstore, a mapping per Fanout).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from lsim.stores.base import STALE_NAN, GoFrame, LabelStore, StalenessTracker
from lsim.stores.directfanout import DirectFanoutStore
from lsim.stores.finegrained import FineGrainedStore
from lsim.stores.lockfree import LockFreeStore
from lsim.stores.mutex import MutexStore
from lsim.stores.percomponent import PerComponentStore
from lsim.stores.rwmutex import RWMutexStore
from lsim.stores.sharded import (
    DEFAULT_SHARDS,
    MAX_SHARDS,
    ShardedStore,
    check_shard_count,
    decode_shard_id,
    encode_shard_id,
)
from lsim.stores.syncmap import SyncMapStore

# The one explicit list, in DESIGN.md order (the order `lsim stores` prints).
_DESIGNS: tuple[type[LabelStore], ...] = (
    MutexStore,
    RWMutexStore,
    FineGrainedStore,
    ShardedStore,
    SyncMapStore,
    PerComponentStore,
    LockFreeStore,
    DirectFanoutStore,
)
_BY_NAME: dict[str, type[LabelStore]] = {cls.name: cls for cls in _DESIGNS}

STORE_NAMES: tuple[str, ...] = tuple(_BY_NAME)
# The designs driven by the labelstore's calls (all but directfanout).
LABELSTORE_NAMES: tuple[str, ...] = tuple(c.name for c in _DESIGNS if c.calls == "labelstore")
STORE_DESCRIPTIONS: MappingProxyType[str, str] = MappingProxyType(
    {cls.name: cls.description for cls in _DESIGNS}
)


def calls_of(name: str) -> str:
    """The calls design ``name`` is driven by: ``"labelstore"`` or ``"fanout"``."""
    cls = _BY_NAME.get(name)
    if cls is None:
        raise ValueError(f"unknown store {name!r}; known stores: {', '.join(STORE_NAMES)}")
    return cls.calls


def store_options(name: str, workload: Any) -> dict[str, Any]:
    """What a workload tells design ``name`` beyond the common options: directfanout's
    Fanout count (``ops.pipeline.fanouts``); nothing for the labelstore designs."""
    if calls_of(name) != "fanout":
        return {}
    return {"fanouts": getattr(workload.behaviour, "fanouts", 1)}


def create_store(name: str, shards: int | None = None, **options: Any) -> LabelStore:
    """A new store of design ``name``; ``shards`` only for ``sharded`` (default 64)."""
    cls = _BY_NAME.get(name)
    if cls is None:
        raise ValueError(f"unknown store {name!r}; known stores: {', '.join(STORE_NAMES)}")
    if cls is ShardedStore:
        count = DEFAULT_SHARDS if shards is None else check_shard_count(shards)
        return ShardedStore(shards=count, **options)
    if shards is not None:
        raise ValueError(f"shards applies only to the sharded store, not to {name!r}")
    return cls(**options)


__all__ = [
    "DEFAULT_SHARDS",
    "LABELSTORE_NAMES",
    "MAX_SHARDS",
    "STALE_NAN",
    "STORE_DESCRIPTIONS",
    "STORE_NAMES",
    "DirectFanoutStore",
    "FineGrainedStore",
    "GoFrame",
    "LabelStore",
    "LockFreeStore",
    "MutexStore",
    "PerComponentStore",
    "RWMutexStore",
    "ShardedStore",
    "StalenessTracker",
    "calls_of",
    "store_options",
    "SyncMapStore",
    "create_store",
    "decode_shard_id",
    "encode_shard_id",
]
