"""``rwmutex``: the one lock becomes a ``sync.RWMutex`` (option 1 of the reference document).

``GetLocalRefID`` and ``Collect`` take the read side and may run together; everything else,
``GetOrAddGlobalRefID`` included (it may insert, and Go cannot upgrade RLock to Lock), takes
the write side. Go's writer preference applies (a pending writer holds back new readers), so
with the ~50/50 read/write mix of the reference dump readers gain little; Alloy abandoned
its own attempt at this for lack of a reduction in contention.
"""

from __future__ import annotations

from typing import Any

from lsim.stores.mutex import SERVICE_MUT, SingleLockStore
from lsim.sync import RWMutex


class RWMutexStore(SingleLockStore):
    name = "rwmutex"
    description = "one sync.RWMutex: GetLocalRefID and Collect read-locked, the rest write-locked"

    def __init__(self, *, lock_name: str = SERVICE_MUT, **options: Any) -> None:
        rw = RWMutex(lock_name)
        # reader() is a reusable context manager: build it once, not per call on the hot path.
        super().__init__(rw, rw.reader(), **options)
