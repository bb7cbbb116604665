"""Map accesses beyond the caches (``lsim/engine/model/far.py``): the curve, when the facts
are re-read, and that every design's scripts pay them on the maps its calls touch."""

from __future__ import annotations

import random

import pytest

from lsim.engine.model import designs_maps  # noqa: F401  (registers the map designs)
from lsim.engine.model.core import CPU, Item
from lsim.engine.model.designs import DESIGNS
from lsim.engine.model.far import REFRESH_CALLS, STEP_NS, FarAccesses, far_ns
from lsim.engine.model.program import Program, ThreadState
from lsim.engine.model.script import Costs
from lsim.stores import LABELSTORE_NAMES, create_store
from lsim.stores.base import MapSizes
from lsim.sync.states import Operation
from lsim.workload.series import SeriesSet
from lsim.workload.steps import Step

from .helpers import small_workload


def test_an_access_costs_nothing_extra_while_the_map_fits_in_cache() -> None:
    assert far_ns(1_000, 176, 1_000) == 0
    assert far_ns(10, 176, 1_000) == 0
    assert far_ns(1_000_000, 0, 1_000) == 0  # no miss cost: no far accesses at all


def test_beyond_the_cache_an_access_pays_the_miss_for_the_share_not_cached() -> None:
    # half the entries cached: half a miss, rounded to STEP_NS
    assert far_ns(2_000, 160, 1_000) == 80
    assert far_ns(4_000, 160, 1_000) == 120
    assert far_ns(10**9, 176, 1_000) == 176
    assert far_ns(3_000, 100, 1_000) % STEP_NS == 0


class GrowingStore:
    """A store whose map sizes the test sets."""

    def __init__(self) -> None:
        self.sizes = MapSizes(0, 0, 0)
        self.asked = 0

    def map_sizes(self, component: str) -> MapSizes:
        self.asked += 1
        return self.sizes


def test_the_facts_are_re_read_every_refresh_calls() -> None:
    store = GrowingStore()
    far = FarAccesses(store, ("c0",), miss_ns=160, cached=1_000)
    assert far.facts[0] == {"Fs": 0, "Fl": 0, "Fg": 0} and far.key(0) == 0
    store.sizes = MapSizes(2_000, 4_000, 1_000)
    for _ in range(REFRESH_CALLS - 2):
        assert far.key(0) == 0  # not yet re-read
    assert far.key(0) != 0  # the REFRESH_CALLS-th call re-reads the sizes
    assert far.facts[0] == {"Fs": 80, "Fl": 120, "Fg": 0}
    assert store.asked == 2


def _cpu(items: list[Item]) -> int:
    return sum(int(arg) for kind, arg, _ in items if kind == CPU)


def _program(design: str, cached: float, sets: int, linked: int,
             relinks: int) -> tuple[Program, ThreadState]:  # fmt: skip
    """A program on a store holding ``sets`` label sets, the first ``linked`` linked in c0
    ``relinks`` times each (a new local id each time: localToGlobal keeps the old ones)."""
    w = small_workload(series=sets, spt=2, components=("c0",))
    shards = 4 if design == "sharded" else None
    store = create_store(design, shards=shards)
    series = SeriesSet(w.series)
    for s in range(sets):
        gid = store.get_or_add_global_ref_id(series.labels(s))
        for k in range(relinks if s < linked else 0):
            store.add_local_link("c0", gid, 1_000 * k + s + 1)
    costs = {**w.model.costs, "map_miss_ns": 800.0, "map_cached_entries": cached}
    c = Costs.from_mapping(costs)
    model = DESIGNS[design](c, w.components, shards, store)
    program = Program(w, model, store, series, c, random.Random(1), lambda: 0.0)
    return program, ThreadState(iter(()))


CALLS = {
    "GetOrAdd": (Step(Operation.GET_OR_ADD_GLOBAL_REF_ID, series=3), ("Fs",)),  # a hit
    "GetLocal": (Step(Operation.GET_LOCAL_REF_ID, series=3, component=0), ("Fg",)),
    "AddLink": (Step(Operation.ADD_LOCAL_LINK, series=3, component=0, local_id=77_777),
                ("Fl", "Fg")),  # a new local id; globalToLocal's entry overwritten
}  # fmt: skip
# (label sets, linked, links each): which maps outgrow caches of 20 entries
STATES = {
    "links grow": (10, 10, 5),  # localToGlobal 50; label sets and globalToLocal 10
    "label sets grow": (50, 10, 1),  # label sets 50; the links 10 each way
    "everything grows": (50, 50, 1),  # 50 of each
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("design", LABELSTORE_NAMES)
def test_every_design_pays_for_the_maps_its_calls_touch(design: str, state: str) -> None:
    """The same calls on the same store, with caches that hold every entry and with caches
    of 20: a call costs at least one far access more per map of it that outgrew them, and
    nothing more when none did (a lookup in a cached map is not charged as a far one)."""
    near, st_near = _program(design, 1e6, *STATES[state])
    far, st_far = _program(design, 20, *STATES[state])
    assert far.far is not None
    facts = far.far.facts[0]
    assert any(facts.values())
    for name, (step, maps) in CALLS.items():
        a, b = near._compile(st_near, step), far._compile(st_far, step)
        assert a is not None and b is not None
        extra, least = _cpu(b) - _cpu(a), max(facts[m] for m in maps)
        assert extra >= least, f"{design} {name}: {extra} ns more, {maps} = {least}"
        if least == 0:
            assert extra == 0, f"{design} {name}: {extra} ns more with its maps in cache"


def test_no_miss_cost_means_no_far_bookkeeping() -> None:
    w = small_workload(series=4, spt=2, components=("c0",))
    store = create_store("mutex")
    c = Costs.from_mapping({**w.model.costs, "map_miss_ns": 0.0})
    model = DESIGNS["mutex"](c, w.components, None, store)
    program = Program(w, model, store, SeriesSet(w.series), c, random.Random(1), lambda: 0.0)
    assert program.far is None
