"""The lock scripts must take the same locks, in the same order and modes, as the real stores.

The real store is traced by wrapping lsim's Mutex/RWMutex methods for the duration of one
call; the script's items are read back into the same ``(lock, action)`` form.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from lsim.engine.model import designs_maps  # noqa: F401  (registers the map designs)
from lsim.engine.model.core import ANNOUNCE, LOCK, READ, UNLOCK, Item
from lsim.engine.model.designs import DESIGNS
from lsim.engine.model.gorwmutex import SimRWMutex
from lsim.engine.model.program import Program, ThreadState
from lsim.engine.model.script import Costs
from lsim.stores import LABELSTORE_NAMES, create_store
from lsim.sync import locks as real_locks
from lsim.sync.states import Operation
from lsim.workload.series import SeriesSet
from lsim.workload.steps import CACHED_REF, Condition, Step

from .helpers import small_workload

Trace = list[tuple[str, str]]


class Tracer:
    """Records every lock call made through lsim.sync's Mutex and RWMutex.

    Both the methods and the context-manager entry points are wrapped (either may be an
    alias of the other, or call it); only the outermost call of a nest is recorded.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: Trace = []
        self.depth = 0
        for cls, method, action in (
            (real_locks.Mutex, "lock", "W"), (real_locks.Mutex, "unlock", "WU"),
            (real_locks.Mutex, "__enter__", "W"), (real_locks.Mutex, "__exit__", "WU"),
            (real_locks.RWMutex, "lock", "W"), (real_locks.RWMutex, "unlock", "WU"),
            (real_locks.RWMutex, "__enter__", "W"), (real_locks.RWMutex, "__exit__", "WU"),
            (real_locks.RWMutex, "rlock", "R"), (real_locks.RWMutex, "runlock", "RU"),
        ):  # fmt: skip
            monkeypatch.setattr(cls, method, self._wrap(getattr(cls, method), action))

    def _wrap(self, original: Any, action: str) -> Any:
        def traced(lock: Any, *args: Any) -> Any:
            outermost = self.depth == 0
            if outermost and not lock.name.endswith(".w"):  # .w: an RWMutex's inner mutex
                self.calls.append((lock.name, action))
            self.depth += 1
            try:
                return original(lock, *args)
            finally:
                self.depth -= 1

        return traced


def script_trace(items: list[Item]) -> Trace:
    out: Trace = []
    for kind, lk, mode in items:
        if kind not in (LOCK, UNLOCK):
            continue
        if isinstance(lk, SimRWMutex):
            action = "R" if mode == READ else "W"
        elif getattr(lk, "record", True) is False:
            continue  # the inner writer mutex of an RWMutex item pair
        else:
            action = "W"
        if kind == UNLOCK:
            action += "U"
        if kind == LOCK and isinstance(lk, SimRWMutex) and mode not in (READ, ANNOUNCE):
            continue
        out.append((lk.name, action))
    return out


SCENARIO = [
    Step(Operation.GET_OR_ADD_GLOBAL_REF_ID, series=0),  # miss
    Step(Operation.GET_OR_ADD_GLOBAL_REF_ID, series=0),  # hit
    Step(Operation.GET_LOCAL_REF_ID, series=0, component=0),  # component unknown yet
    Step(
        Operation.ADD_LOCAL_LINK, series=0, component=0, local_id=5, condition=Condition.IF_NO_LOCAL
    ),  # fmt: skip
    Step(Operation.GET_LOCAL_REF_ID, series=0, component=1),  # unknown; c0 is linked
    Step(Operation.GET_LOCAL_REF_ID, series=0, component=0),
    Step(
        Operation.REPLACE_LOCAL_LINK,
        series=0,
        component=0,
        local_id=6,
        condition=Condition.IF_LOCAL_CHANGED,
    ),  # fmt: skip
    Step(Operation.GET_OR_ADD_LINK, series=1, component=1, local_id=7),  # miss
    Step(Operation.GET_OR_ADD_LINK, series=1, component=1, local_id=8),  # hit
    Step(Operation.GET_LOCAL_REF_ID, series=1, component=1),
    Step(Operation.TRACK_STALENESS, stale=(0,), live=(1,)),
    Step(Operation.CHECK_AND_REMOVE_STALE_MARKERS),  # removes series 0 (clock jumps)
    Step(Operation.COLLECT),
    Step(Operation.CHECK_AND_REMOVE_STALE_MARKERS),  # nothing left to remove
]


@pytest.mark.parametrize("design", LABELSTORE_NAMES)
def test_scripts_take_the_stores_locks(design: str, monkeypatch: pytest.MonkeyPatch) -> None:
    w = small_workload(series=20, spt=2, components=("c0", "c1"))
    shards = 4 if design == "sharded" else None
    clock = {"now": 0.0}
    store = create_store(design, shards=shards, clock=lambda: clock["now"])
    model = DESIGNS[design](Costs.from_mapping(w.model.costs), w.components, shards, store)
    program = Program(w, model, store, SeriesSet(w.series), Costs.from_mapping({}),
                      random.Random(1), lambda: clock["now"])  # fmt: skip
    state = ThreadState(iter(()))
    tracer = Tracer(monkeypatch)
    for step in SCENARIO:
        if step.op is Operation.CHECK_AND_REMOVE_STALE_MARKERS:
            clock["now"] += 3600.0
        tracer.calls.clear()
        items = program._compile(state, step)
        assert items is not None, step
        assert script_trace(items) == tracer.calls, f"{design} {step.op.go_name}"
    assert design in DESIGNS


_GM, _CM, _UM = Operation.GET_MAPPING, Operation.CREATE_MAPPING, Operation.UPDATE_MAPPING
_IF_NONE, _IF_CHANGED = Condition.IF_NO_MAPPING, Condition.IF_MAPPING_CHANGED
FANOUT_SCENARIO = [
    Step(Operation.NONE, series=3, local_id=0),  # a work step: no lock
    Step(_GM, series=0, component=0),  # behind a relabel stage: ref 0, no mapping yet
    Step(_CM, series=0, component=0, condition=_IF_NONE, refs=(5, 6)),
    Step(_GM, series=0, component=0),  # found by label hash
    Step(_CM, series=0, component=0, condition=_IF_NONE, refs=(5, 7)),  # skipped
    Step(_UM, series=0, component=0, condition=_IF_CHANGED, refs=(5, 7)),  # ref 0: no lock
    Step(Operation.TRACK_APPENDED_SERIES, component=0),  # stamps refs 1 and 0 at time 0
    Step(_GM, series=1, component=1, local_id=CACHED_REF),  # nothing cached: a miss
    Step(_CM, series=1, component=1, condition=_IF_NONE, refs=(8, 9)),
    Step(_GM, series=1, component=1, local_id=CACHED_REF),  # the cached unique ref
    Step(_UM, series=1, component=1, condition=_IF_CHANGED, refs=(8, 10)),
    Step(Operation.TRACK_APPENDED_SERIES, component=1),
    Step(Operation.CLEANUP_STALE_REFS, component=0),  # the clock jumps: removes series 0
    Step(Operation.CLEANUP_STALE_REFS, component=1),  # series 1 was stamped: kept
]


def test_directfanout_script_takes_the_stores_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    w = small_workload(series=20, spt=2, components=("c0", "c1"))
    clock = {"now": 0.0}
    store = create_store("directfanout", fanouts=2, clock=lambda: clock["now"])
    model = DESIGNS["directfanout"](Costs.from_mapping(w.model.costs), w.components, None, store)
    assert [lk.name for lk in model.locks] == [lk.name for lk in store.locks()]
    program = Program(w, model, store, SeriesSet(w.series), Costs.from_mapping({}),
                      random.Random(1), lambda: clock["now"])  # fmt: skip
    state = ThreadState(iter(()))
    tracer = Tracer(monkeypatch)
    compiled = []
    for step in FANOUT_SCENARIO:
        if step.op is Operation.CLEANUP_STALE_REFS:
            clock["now"] = 1_000.0 if step.component == 0 else 0.0
        tracer.calls.clear()
        items = program._compile(state, step)
        compiled.append(items is not None)
        assert script_trace(items or []) == tracer.calls, f"{step.op.go_name} {step}"
    assert compiled == [True, True, True, True, False, True, True, True, True, True, True,
                        True, True, True]  # fmt: skip
    assert len(store.mappings[0]) == 0 and len(store.mappings[1]) == 1
    assert store.mappings[1].unique_ref_to_child_refs[1][0] == (8, 10)
