"""lockfree in the model: its waits are its sync.Maps' mutexes, where the real maps take them."""

from __future__ import annotations

import random

from lsim.engine.model import (
    designs_maps,  # noqa: F401  (registers the map designs)
    run_model,
)
from lsim.engine.model.core import LOCK
from lsim.engine.model.designs import DESIGNS
from lsim.engine.model.program import Program, ThreadState
from lsim.engine.model.script import Costs
from lsim.stores.lockfree import LockFreeStore
from lsim.sync.states import Operation
from lsim.workload.load import parse_workload
from lsim.workload.series import SeriesSet
from lsim.workload.steps import Step

from .helpers import small_workload

MIX = {"GetOrAddGlobalRefID": 48.0, "GetLocalRefID": 44.0, "AddLocalLink": 8.0}


def test_a_contended_closed_loop_at_p2_waits_on_sync_map_mutexes() -> None:
    w = parse_workload(
        {
            "name": "lockfree-closed-loop", "seed": 1, "threads": {"count": 200},
            "run": {"duration_s": 1.0, "warmup_s": 0.001},
            "series": {"count": 1000, "prepopulated": 1000, "template": "alloy-benchmark"},
            "components": 1, "ops": {"mix": MIX, "draw": {"new_series": 0.5}},
            "model": {"costs": {"scrape_parse_ns": 0.0, "wal_append_ns": 0.0},
                      "gomaxprocs": 2, "sim_time_s": 0.004},
        },
        "<test>",
    )  # fmt: skip
    p = run_model(w, "lockfree", seed=1)
    waited = {lk.name: lk.wait_total_ns for lk in p.locks if lk.wait_total_ns > 0}
    assert waited and all(name.endswith("(sync.Map).mu") for name in waited)
    assert "labelstore.Service.labelsHashToGlobal(sync.Map).mu" in waited  # new keys
    blocked = [c for c in p.census if c.state == "sync.Mutex.Lock"]
    assert blocked and all(c.lock.endswith("(sync.Map).mu") for c in blocked)
    assert sum(p.blocked_per_sample) > 0
    again = run_model(w, "lockfree", seed=1)  # deterministic (but for wall-clock timings)
    assert (again.locks, again.census, again.blocked_per_sample, again.total_ops) == (
        p.locks, p.census, p.blocked_per_sample, p.total_ops)  # fmt: skip


def test_a_hit_reaches_the_store_and_its_script_follows_the_maps_state() -> None:
    """A GetOrAdd hit on a key still in the dirty map takes the map's mutex (a miss of the
    snapshot); once misses promote it, the same hit is lock-free. The program must call the
    store on every hit (Design.hits_are_pure) for the map to count those misses."""
    w = small_workload(series=20, spt=2, components=("c0",))
    store = LockFreeStore()
    model = DESIGNS["lockfree"](Costs.from_mapping(w.model.costs), w.components, None, store)
    program = Program(w, model, store, SeriesSet(w.series), Costs.from_mapping({}),
                      random.Random(1), lambda: 0.0, reuse_hits=True)  # fmt: skip
    assert program.goa is None
    state = ThreadState(iter(()))
    hit = Step(Operation.GET_OR_ADD_GLOBAL_REF_ID, series=1)
    # three new keys: the second's Load miss promotes {0}, the third's leaves 1 miss of 3
    for series in range(3):
        program._compile(state, Step(Operation.GET_OR_ADD_GLOBAL_REF_ID, series=series))
    assert store.labels_hash_to_global.promotions == 1
    locks = [[lk.name for kind, lk, _ in program._compile(state, hit) or [] if kind == LOCK]
             for _ in range(3)]  # fmt: skip
    hash_mu = "labelstore.Service.labelsHashToGlobal(sync.Map).mu"
    # series 1 is in the dirty map only: two more misses, the second promotes (3 of 3)
    assert locks == [[hash_mu], [hash_mu], []]
    assert store.labels_hash_to_global.promotions == 2
