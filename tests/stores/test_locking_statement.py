"""Each design's locking statement (``lsim/stores/locking.py``) against what the Python
store and the model's lock script really take, call by call; every stated path is taken.

The Go stores are held to the same statement, call by call beside the Python store, in
``tests/engine/go/test_go_program.py`` (``lsimgo trace -locks``).
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from lsim.engine.go.planfile import GoRun, write_plan_file
from lsim.engine.model import designs_maps  # noqa: F401  (registers the map designs)
from lsim.engine.model.designs import DESIGNS
from lsim.engine.model.program import Program, ThreadState
from lsim.engine.model.script import Costs
from lsim.stores import STORE_NAMES, create_store
from lsim.stores.locking import LOCKING, LOCKS, Taken, lock_role, matching_path, path
from lsim.stores.locking import Path as LockPath
from lsim.sync.states import Operation
from lsim.workload.series import SeriesSet
from tests.engine.go.planread import read_plan
from tests.engine.go.trace import (
    TRACE_WORKLOADS,
    call_taken,
    counts_taken,
    lock_counts,
    parse_taken,
    python_trace,
)
from tests.engine.model.helpers import small_workload
from tests.engine.model.test_designs import FANOUT_SCENARIO, SCENARIO, script_trace
from tests.stores.helpers import series
from tests.workload.helpers import workload

SHARDS = 4
Seen = set[tuple[Operation, str]]


def check(
    design: str, op: Operation, taken: Taken, components: int, seen: Seen, what: str
) -> LockPath:
    found = matching_path(design, op, taken, SHARDS, components)
    assert found is not None, f"{what}: {op.go_name} took {dict(taken)}, no path of {design}"
    seen.add((op, found.when))
    return found


def trace_workloads(design: str, tmp_path: Path, seen: Seen) -> None:
    shards = SHARDS if design == "sharded" else None
    for case, spec in TRACE_WORKLOADS.items():
        if design == "directfanout" and "mix" in spec["ops"]:
            continue  # a mix draws labelstore calls, which directfanout never makes
        w = workload(spec)
        plan_path = tmp_path / f"{case}.bin"
        write_plan_file(GoRun(w, design, shards, w.threads.count, 1), plan_path)
        for line in python_trace(read_plan(plan_path), locks=True):
            call = call_taken(line)
            if call is not None:
                check(design, *call, len(w.components), seen, f"python store, {case}")


def scenario(design: str, seen_store: Seen, seen_model: Seen) -> None:
    """The model's lock script and the store it drives, on steps that reach every path
    (misses, hits, new components, markers and refs that expire)."""
    w = small_workload(series=20, spt=2, components=("c0", "c1"))
    shards = SHARDS if design == "sharded" else None
    fanout = design == "directfanout"
    clock = {"now": 0.0}
    options = {"fanouts": 2} if fanout else {}
    store = create_store(design, shards=shards, clock=lambda: clock["now"], **options)
    model = DESIGNS[design](Costs.from_mapping(w.model.costs), w.components, shards, store)
    program = Program(w, model, store, SeriesSet(w.series), Costs.from_mapping({}),
                      random.Random(1), lambda: clock["now"])  # fmt: skip
    state = ThreadState(iter(()))
    for step in FANOUT_SCENARIO if fanout else SCENARIO:
        if step.op is Operation.CHECK_AND_REMOVE_STALE_MARKERS:
            clock["now"] += 3600.0
        if step.op is Operation.CLEANUP_STALE_REFS:  # as test_designs.py: Fanout 0's refs age
            clock["now"] = 1_000.0 if step.component == 0 else 0.0
        before = lock_counts(store)
        items = program._compile(state, step)
        if step.op is Operation.NONE or (fanout and items is None):  # work; a skipped call
            continue
        assert items is not None, step
        check(design, step.op, parse_taken(counts_taken(before, lock_counts(store))), 2,
              seen_store, "python store, scenario")  # fmt: skip
        order = [(lock_role(n), action) for n, action in script_trace(items) if action in "WR"]
        found = check(design, step.op, Counter(order), 2, seen_model, "model script, scenario")
        # the order the statement lists is the order the script (and, by test_designs.py,
        # the store) takes them: compare with repeats of one lock folded
        folded = [t for i, t in enumerate(order) if i == 0 or order[i - 1] != t]
        stated = [(t.role, t.mode) for t in found.takes if (t.role, t.mode) in order]
        assert folded == stated, f"{design} {step.op.go_name}: takes {folded}, states {stated}"


@pytest.mark.parametrize("design", STORE_NAMES)
def test_the_store_and_the_model_take_only_stated_paths_and_every_one(
    design: str, tmp_path: Path
) -> None:
    seen_store: Seen = set()
    seen_model: Seen = set()
    trace_workloads(design, tmp_path, seen_store)
    scenario(design, seen_store, seen_model)
    stated = {(op, p.when) for op, paths in LOCKING[design].items() for p in paths}
    assert stated - seen_store == set(), "stated paths no Python call took"
    assert seen_model <= stated


def test_every_design_and_operation_has_a_statement() -> None:
    assert set(LOCKING) == set(STORE_NAMES)
    for design, statement in LOCKING.items():
        assert set(statement) == set(create_store(design).operations), design
        for paths in statement.values():
            assert len({p.when for p in paths}) == len(paths)  # cases are named apart


def test_a_path_takes_exactly_what_it_lists() -> None:
    p = path("x", "shard[].mut W x 1..shards; mapping[].mu R x 0..components", "")
    ok: Taken = Counter({("shard[].mut", "W"): 3})
    assert p.matches(ok, shards=4, components=2)
    assert not p.matches(Counter({("shard[].mut", "W"): 5}), shards=4, components=2)
    assert not p.matches(Counter({("shard[].mut", "W"): 0}), shards=4, components=2)
    extra: Taken = Counter({("shard[].mut", "W"): 1, ("Service.mut", "W"): 1})
    assert not p.matches(extra, shards=4, components=2)
    assert p.matches(Counter({("shard[].mut", "W"): 1, ("mapping[].mu", "R"): 2}), 4, 2)
    assert isinstance(p, LockPath)
    with pytest.raises(ValueError, match="bad lock take"):
        path("x", "Service.mut X", "")


@pytest.mark.parametrize("design", STORE_NAMES)
def test_the_stated_locks_are_the_stores_and_the_models(design: str) -> None:
    """LOCKS names each design's locks in its store's order, with their kinds; the model
    makes the same locks (the store makes a component's lock at its first link)."""
    shards = SHARDS if design == "sharded" else None
    store = create_store(
        design, shards=shards, **({"fanouts": 2} if design == "directfanout" else {})
    )
    for component in ("c0", "c1"):
        if design != "directfanout":
            store.add_local_link(component, store.get_or_add_global_ref_id(series(0)), 1)
    roles = [(lock_role(lk.name), type(lk).__name__) for lk in store.locks()]
    stated = [(decl.role, decl.kind) for decl in LOCKS[design]]
    assert list(dict.fromkeys(roles)) == stated
    model = DESIGNS[design](Costs.from_mapping({}), ("c0", "c1"), shards, store)
    assert [lk.name for lk in model.locks] == [lk.name for lk in store.locks()]
    assert [type(lk).__name__ for lk in model.locks] == ["Sim" + kind for _, kind in roles]
