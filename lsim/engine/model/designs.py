"""Lock scripts: which locks each store operation takes, in which order, and for how long.

One class per design of DESIGN.md §3, mirroring the store in ``lsim/stores`` lock for lock
(``tests/engine/model/test_designs.py`` traces the real stores to keep them in step). Costs
(see ``lsim/workload/costs.py``): H hash, M map lookup, I map insert/delete, L uncontended
Lock+Unlock, A atomic, N a never-seen label set's extra (growth, allocation, GC: with every
"+I miss" below); C = number of components.

=============  =========================================================================
design         per operation (``[lock mode: cost]``; outside a bracket: no lock)
=============  =========================================================================
mutex          every op ``[mut W: ...]``: GetOrAdd L+H+M(+I miss), GetLocal L+2M, Add L+M+2I,
               Replace L+M+3I, GetOrAddLink both, Track (stale*H outside) L+stale*I+live*M,
               GC L+M+expired*(1+2C)*I, Collect L+(1+C)*M
rwmutex        as mutex; GetLocalRefID and Collect take the read side
sharded        as mutex on shard ``hash % N`` (GetOrAdd, GetOrAddLink: +H outside to route)
               or the id's top 8 bits; Track: one section per shard touched; GC, Collect:
               every shard in turn
finegrained    GetOrAdd ``[globalMut R: L+H+M]`` then on a miss ``[globalMut W: L+M+I]``;
               GetLocal ``[mappingsMut R]``; Add/Replace ``[mappingsMut W]``; GetOrAddLink
               globalMut R (W on a miss) with ``[mappingsMut W]`` nested; Track
               ``[stalenessMut]``; GC stalenessMut > globalMut W > mappingsMut W; Collect
               globalMut R > mappingsMut R
syncmap        as mutex, except GetLocal: sync.Map load (M, lock-free once the component is
               in the read-only map; else ``[sync.Map mu]``) then ``[mut W: L+M]``
percomponent   GetOrAdd/Track/GC/Collect ``[mut W]``; GetLocal ``[mapping[c].mu R: L+M]``;
               Add/Replace ``[mapping[c].mu W]``; GetOrAddLink ``[mut W > mapping[c].mu W]``
lockfree       no lock: reads are plain CPU; every store into a shared map is an atomic
               (CAS) on that map's word, which serialises and costs retries when contended
directfanout   no labelstore call at all; its own calls, per Fanout: ``designs_fanout.py``
=============  =========================================================================
"""

from __future__ import annotations

from typing import Any

from lsim.engine.model.core import READ, WRITE, AtomicWord, Item
from lsim.engine.model.golock import SimMutex, SimRWMutex
from lsim.engine.model.script import Costs, Lock, Script
from lsim.stores.mutex import SERVICE_MUT
from lsim.workload.steps import Step

Parts = dict[int, tuple[int, int]]  # shard (-1: unsharded) -> (stale markers, live trackers)


class Design:
    """A design with one ``Service`` whose every structure sits behind ``self.mut``."""

    name = "mutex"
    read_mode = WRITE  # the mode GetLocalRefID and Collect take
    calls = "labelstore"  # the write path its plans are compiled for (LabelStore.calls)

    def __init__(
        self, c: Costs, components: tuple[str, ...], shards: int | None, store: Any
    ) -> None:
        self.c = c
        self.components = components
        self.nc = len(components)
        self.store = store
        self.locks: list[Lock] = []
        self.words: list[AtomicWord] = []
        self.setup(shards)

    def setup(self, shards: int | None) -> None:
        self.mut: Lock = self.new_mutex(SERVICE_MUT)

    def new_mutex(self, name: str) -> SimMutex:
        lk = SimMutex(name, len(self.locks) + 1)
        self.locks.append(lk)
        return lk

    def new_rw(self, name: str) -> SimRWMutex:
        lk = SimRWMutex(name, len(self.locks) + 1)
        self.locks.append(lk)
        return lk

    def lock_for(self, shard: int) -> Lock:
        return self.mut

    def peek(self, component: str) -> int:
        """Before a call: which path the component lookup will take (design-specific code;
        0 for designs whose locking does not depend on it)."""
        return 0

    # -- costs shared by the Service-shaped designs ---------------------------------------------
    def k_goa(self, miss: bool) -> int:
        c = self.c
        return c.lock + c.hash + c.hit + (c.insert + c.new_series if miss else 0)

    def k_track(self, marked: int, live: int) -> int:
        return self.c.lock + marked * self.c.insert + live * self.c.hit

    # -- operations ------------------------------------------------------------------------------
    def get_or_add(self, s: Script, shard: int, miss: bool) -> None:
        s.section(self.lock_for(shard), WRITE, self.k_goa(miss), writes=int(miss))

    def get_local(self, s: Script, shard: int, comp: int, path: int) -> None:
        s.section(self.lock_for(shard), self.read_mode, self.c.lock + 2 * self.c.hit)

    def add_link(self, s: Script, shard: int, comp: int, path: int) -> None:
        c = self.c
        s.section(self.lock_for(shard), WRITE, c.lock + c.hit + 2 * c.insert, writes=2)

    def replace_link(self, s: Script, shard: int, comp: int, path: int) -> None:
        c = self.c
        s.section(self.lock_for(shard), WRITE, c.lock + c.hit + 3 * c.insert, writes=2)

    def get_or_add_link(self, s: Script, shard: int, comp: int, miss: bool, path: int) -> None:
        c = self.c
        s.section(
            self.lock_for(shard), WRITE, self.k_goa(miss) + c.hit + 2 * c.insert, writes=2 + miss
        )

    def track(self, s: Script, parts: Parts) -> None:
        s.cpu(sum(m for m, _ in parts.values()) * self.c.hash)  # split + hash, before locking
        for shard, (marked, live) in parts.items():
            s.section(
                self.lock_for(shard), WRITE, self.k_track(marked, live), writes=int(marked > 0)
            )

    def k_gc(self, expired: int) -> int:
        c = self.c
        return c.lock + c.hit + expired * (1 + 2 * self.nc) * c.insert

    def gc_writes(self, expired: int) -> int:
        return 2 + 2 * self.nc if expired else 0  # staleGlobals, the hash map, every link map

    def gc(self, s: Script, expired: int) -> None:
        s.section(self.mut, WRITE, self.k_gc(expired), writes=self.gc_writes(expired))

    def collect(self, s: Script) -> None:
        s.section(self.mut, self.read_mode, self.c.lock + (1 + self.nc) * self.c.hit)

    def compile(self, program: Any, st: Any, step: Step) -> list[Item] | None:
        """Steps the program leaves to the design (directfanout's calls, designs_fanout.py)."""
        raise ValueError(f"the model cannot run operation {step.op!r} on {self.name}")


class RWMutexDesign(Design):
    name = "rwmutex"
    read_mode = READ

    def setup(self, shards: int | None) -> None:
        self.mut = self.new_rw(SERVICE_MUT)


class ShardedDesign(Design):
    name = "sharded"

    def setup(self, shards: int | None) -> None:
        from lsim.stores.sharded import DEFAULT_SHARDS

        n = shards or DEFAULT_SHARDS
        width = max(2, len(str(n - 1)))
        self.shard_locks = [self.new_mutex(f"labelstore.shard[{i:0{width}d}].mut")
                            for i in range(n)]  # fmt: skip
        self.mut = self.shard_locks[0]

    def lock_for(self, shard: int) -> Lock:
        return self.shard_locks[shard]

    def get_or_add(self, s: Script, shard: int, miss: bool) -> None:
        s.cpu(self.c.hash)  # the wrapper hashes to route; the shard hashes again inside
        super().get_or_add(s, shard, miss)

    def get_or_add_link(self, s: Script, shard: int, comp: int, miss: bool, path: int) -> None:
        s.cpu(self.c.hash)
        super().get_or_add_link(s, shard, comp, miss, path)

    def gc(self, s: Script, expired: int) -> None:
        n = len(self.shard_locks)
        for i, lk in enumerate(self.shard_locks):
            mine = expired // n + (i < expired % n)
            s.section(lk, WRITE, self.k_gc(mine), writes=self.gc_writes(mine))

    def collect(self, s: Script) -> None:
        for lk in self.shard_locks:
            s.section(lk, WRITE, self.c.lock + (1 + self.nc) * self.c.hit)


class FineGrainedDesign(Design):
    name = "finegrained"

    def setup(self, shards: int | None) -> None:
        self.staleness = self.new_mutex("labelstore.Service.stalenessMut")
        self.glob = self.new_rw("labelstore.Service.globalMut")
        self.maps = self.new_rw("labelstore.Service.mappingsMut")
        self.mut = self.staleness

    def get_or_add(self, s: Script, shard: int, miss: bool) -> None:
        c = self.c
        s.section(self.glob, READ, c.lock + c.hash + c.hit)
        if miss:  # re-check and insert under the write side
            s.section(self.glob, WRITE, c.lock + c.hit + c.insert + c.new_series, writes=1)

    def lock_for(self, shard: int) -> Lock:
        return self.maps  # GetLocal (read), Add and Replace (write) use the mappings lock

    def get_local(self, s: Script, shard: int, comp: int, path: int) -> None:
        s.section(self.maps, READ, self.c.lock + 2 * self.c.hit)

    def get_or_add_link(self, s: Script, shard: int, comp: int, miss: bool, path: int) -> None:
        c = self.c
        s.lock(self.glob, READ)
        s.cpu(c.lock + c.hash + c.hit)
        if miss:
            s.unlock(self.glob, READ)
            s.lock(self.glob, WRITE)
            s.cpu(c.lock + c.hit + c.insert + c.new_series)
        s.section(self.maps, WRITE, c.lock + c.hit + 2 * c.insert, writes=2)
        s.unlock(self.glob, WRITE if miss else READ, writes=int(miss))

    def track(self, s: Script, parts: Parts) -> None:
        marked, live = parts[-1]
        s.cpu(marked * self.c.hash)
        s.section(self.staleness, WRITE, self.k_track(marked, live), writes=int(marked > 0))

    def gc(self, s: Script, expired: int) -> None:
        c = self.c
        s.lock(self.staleness)
        s.cpu(c.lock + c.hit + expired * c.insert)
        if expired:
            s.lock(self.glob, WRITE)
            s.cpu(c.lock + expired * c.insert)
            s.section(
                self.maps, WRITE, c.lock + expired * 2 * self.nc * c.insert, writes=2 * self.nc
            )
            s.unlock(self.glob, WRITE, writes=1)
        s.unlock(self.staleness, writes=int(expired > 0))

    def collect(self, s: Script) -> None:
        c = self.c
        s.lock(self.glob, READ)
        s.cpu(c.lock + c.hit)
        s.section(self.maps, READ, c.lock + self.nc * c.hit)
        s.unlock(self.glob, READ)


DESIGNS: dict[str, type[Design]] = {d.name: d for d in (Design, RWMutexDesign, ShardedDesign,
                                                         FineGrainedDesign)}  # fmt: skip


def register(cls: type[Design]) -> type[Design]:
    DESIGNS[cls.name] = cls
    return cls
