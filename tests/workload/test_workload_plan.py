"""Per-thread plans: the documented call sequences, determinism, churn, pacing, laziness."""

from __future__ import annotations

import itertools
import tracemalloc
from pathlib import Path

import pytest

from lsim.sync.states import Operation as Op
from lsim.workload import plan as plan_module
from lsim.workload.ids import GEN_STRIDE, seed_for
from lsim.workload.load import load_workload
from lsim.workload.plan import prepopulate, thread_steps
from lsim.workload.series import SeriesSet
from lsim.workload.steps import Condition, Step, pace, think
from tests.workload.helpers import store_ops, take, workload

IF_NO, IF_CHANGED = Condition.IF_NO_LOCAL, Condition.IF_LOCAL_CHANGED
ALLOY = load_workload(Path("workloads/alloy-high-contention.yaml"))


def alloy_expected(g: int, iteration: int) -> list[Step]:
    """BenchmarkHighContention's calls for goroutine g, as DESIGN §2 describes them."""
    lbl, comp = (g * 7) % 10_000, g % 5
    local = lbl * 1000 + g + iteration * GEN_STRIDE
    steps = [Step(Op.COLLECT)] if g == 0 and iteration % 10 == 0 else []
    steps += [
        Step(Op.GET_OR_ADD_GLOBAL_REF_ID, lbl),
        Step(Op.GET_LOCAL_REF_ID, lbl, comp),
        Step(Op.ADD_LOCAL_LINK, lbl, comp, local, IF_NO),
        Step(Op.REPLACE_LOCAL_LINK, lbl, comp, local, IF_CHANGED),
    ]
    if g % 10 == 0:
        steps.append(Step(Op.TRACK_STALENESS, stale=(lbl,), live=()))
    return steps


@pytest.mark.parametrize("g", [0, 1, 7, 10, 1429, 9_999, 10_000, 10_001, 19_990, 19_999])
@pytest.mark.parametrize("iteration", [0, 1, 10])
def test_alloy_benchmark_sequence_per_thread(g: int, iteration: int) -> None:
    assert list(thread_steps(ALLOY, g, iteration=iteration)) == alloy_expected(g, iteration)


def test_alloy_iteration_zero_uses_exactly_the_go_local_id() -> None:
    steps = list(thread_steps(ALLOY, 1234, iteration=0))
    assert steps[2].local_id == ((1234 * 7) % 10_000) * 1000 + 1234


def test_production_pipeline_sequence() -> None:
    w = workload(
        {
            "threads": {"count": 4},
            "series": {"count": 40, "prepopulated": 40},
            "components": ["rw"],
            "ops": {"pipeline": {"series_per_thread": 3}},
            "pacing": {"rate_per_thread": 0.5},
        }
    )
    t = 2
    cycle = []
    for s in (6, 7, 8):  # block selection: thread 2 owns series 6..8
        cycle += [
            Step(Op.GET_OR_ADD_GLOBAL_REF_ID, s),
            Step(Op.GET_LOCAL_REF_ID, s, 0),
            Step(Op.ADD_LOCAL_LINK, s, 0, s * 100, IF_NO),
            Step(Op.REPLACE_LOCAL_LINK, s, 0, s * 100, IF_CHANGED),
        ]
    cycle += [Step(Op.TRACK_STALENESS, stale=(), live=(6, 7, 8)), pace(2.0)]
    assert take(thread_steps(w, t), 3 * len(cycle)) == cycle * 3


def test_without_relabel_get_or_add_only_on_first_sight_and_all_components() -> None:
    w = workload(
        {
            "threads": {"count": 2},
            "components": 3,
            "series": {"count": 10},
            "ops": {"pipeline": {"relabel": False, "series_per_thread": 2, "fanout_stages": 2}},
        }
    )
    first = take(thread_steps(w, 1), 2 * (1 + 3 * 3) + 2)
    ops = [s.op for s in first]
    assert ops.count(Op.GET_OR_ADD_GLOBAL_REF_ID) == 2
    assert [s.component for s in first if s.op is Op.GET_LOCAL_REF_ID] == [0, 1, 2, 0, 1, 2]
    assert ops[-2:] == [Op.TRACK_STALENESS, Op.TRACK_STALENESS]
    later = take(thread_steps(w, 1), 10 * len(first))[len(first) :]
    assert Op.GET_OR_ADD_GLOBAL_REF_ID not in {s.op for s in later}


def test_steady_is_endless_and_burst_is_finite() -> None:
    steady = workload({"threads": {"count": 3}})
    assert len(take(thread_steps(steady, 2), 50_000)) == 50_000
    burst = workload({"threads": {"count": 3, "mode": "burst"}})
    assert len(list(thread_steps(burst, 2, iteration=4))) == 25 * 4 + 1


def test_collect_and_gc_are_thread_zero_every_n_cycles() -> None:
    w = workload(
        {
            "threads": {"count": 2},
            "series": {"count": 10},
            "ops": {"pipeline": {"series_per_thread": 1, "collect_every": 3, "gc_every": 2}},
        }
    )
    per_cycle = 4 + 1  # 1 sample x (GetOrAdd, GetLocal, Add, Replace) + TrackStaleness
    steps = take(thread_steps(w, 0), 200)
    cycles, current = [], []
    for s in steps:
        if s.op is Op.TRACK_STALENESS:
            cycles.append(current)
            current = []
        else:
            current.append(s.op)
    periodic = [
        [op for op in c if op in (Op.COLLECT, Op.CHECK_AND_REMOVE_STALE_MARKERS)] for c in cycles
    ]
    assert periodic[:7] == [
        [Op.COLLECT, Op.CHECK_AND_REMOVE_STALE_MARKERS],
        [],
        [Op.CHECK_AND_REMOVE_STALE_MARKERS],
        [Op.COLLECT],
        [Op.CHECK_AND_REMOVE_STALE_MARKERS],
        [],
        [Op.COLLECT, Op.CHECK_AND_REMOVE_STALE_MARKERS],
    ]
    assert len(take(thread_steps(w, 1), per_cycle * 4)) == per_cycle * 4
    assert {s.op for s in take(thread_steps(w, 1), 100)} & {Op.COLLECT} == set()


def test_churn_replaces_series_with_never_seen_ones_and_marks_the_old_stale() -> None:
    w = workload(
        {
            "threads": {"count": 3},
            "series": {"count": 30, "prepopulated": 30, "churn": {"fraction_per_cycle": 0.5}},
            "ops": {"pipeline": {"series_per_thread": 4, "relabel": False}},
        }
    )
    steps = take(thread_steps(w, 1), 400)
    tracks = [s for s in steps if s.op is Op.TRACK_STALENESS]
    assert tracks[0].stale == () and tracks[0].live == (4, 5, 6, 7)
    assert tracks[1].stale == (4, 5)  # 2 of 4 replaced per cycle, in slot order
    new = [s for s in tracks[1].live if s >= 30]
    assert new == [30 + k * plan_module.CHURN_STRIDE + 1 for k in range(2)]
    # the new series are announced with GetOrAdd (relabel off) and linked with Add
    cycle1 = steps[steps.index(tracks[0]) + 1 : steps.index(tracks[1])]
    assert [s.series for s in cycle1 if s.op is Op.GET_OR_ADD_GLOBAL_REF_ID] == sorted(new)


def test_churned_series_are_unique_across_threads() -> None:
    w = workload(
        {
            "threads": {"count": 50},
            "series": {"count": 100, "churn": {"fraction_per_cycle": 1.0}},
            "ops": {"pipeline": {"series_per_thread": 2}},
        }
    )
    seen: dict[int, int] = {}
    for t in range(50):
        for s in take(thread_steps(w, t), 200):
            if s.op is Op.GET_OR_ADD_GLOBAL_REF_ID and s.series >= 100:
                assert seen.setdefault(s.series, t) == t


def test_wal_ref_changes_produce_new_local_ids() -> None:
    w = workload(
        {
            "threads": {"count": 1},
            "series": {"count": 10},
            "ops": {"pipeline": {"series_per_thread": 10, "wal_ref_change_probability": 0.3}},
        }
    )
    replaces = [s for s in take(thread_steps(w, 0), 8000) if s.op is Op.REPLACE_LOCAL_LINK]
    last: dict[int, int] = {}
    changes = 0
    for s in replaces:
        assert (s.local_id - s.series * 100) % GEN_STRIDE == 0, "base id + generations"
        changes += s.local_id != last.get(s.series, s.series * 100)
        last[s.series] = s.local_id
    assert 0.25 < changes / len(replaces) < 0.35


def test_think_and_pace_steps() -> None:
    fixed = workload(
        {
            "ops": {"pipeline": {"series_per_thread": 1}},
            "pacing": {"think": "fixed", "think_s": 0.25},
        }
    )
    assert take(thread_steps(fixed, 3), 6)[-1] == think(0.25)
    expo = workload(
        {
            "ops": {"pipeline": {"series_per_thread": 1}},
            "pacing": {"think": "exponential", "think_s": 0.1},
        }
    )
    pauses = [s.pause_s for s in take(thread_steps(expo, 3), 6 * 2000) if s.is_think]
    assert len(pauses) == 2000 and len(set(pauses)) > 1900
    assert 0.09 < sum(pauses) / len(pauses) < 0.11
    closed = workload({})
    assert not any(s.is_think for s in take(thread_steps(closed, 0), 1000))


def test_same_seed_same_plan_different_seed_different_plan() -> None:
    data = {"ops": {"mix": {"GetOrAddGlobalRefID": 1, "GetLocalRefID": 1, "TrackStaleness": 0.1}}}
    a, b = workload({**data, "seed": 7}), workload({**data, "seed": 7})
    c = workload({**data, "seed": 8})
    assert take(thread_steps(a, 5), 500) == take(thread_steps(b, 5), 500)
    assert take(thread_steps(a, 5), 500) != take(thread_steps(c, 5), 500)
    assert take(thread_steps(a, 5), 500) != take(thread_steps(a, 6), 500)
    rnd = {"ops": {"pipeline": {"series_select": "random"}}}
    assert take(thread_steps(workload({**rnd, "seed": 1}), 0), 100) != take(
        thread_steps(workload({**rnd, "seed": 2}), 0), 100
    )


def test_seed_mixing_is_fixed_arithmetic() -> None:
    assert seed_for(1, 2, 3) == seed_for(1, 2, 3) != seed_for(1, 3, 2)
    assert seed_for(0) == 0xE220A8397B1DCDAF  # SplitMix64's first output for state 0


def test_replayed_cycles_equal_generated_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    w = workload(
        {
            "threads": {"count": 10},
            "components": 2,
            "pacing": {"rate_per_thread": 2},
            "ops": {"pipeline": {"relabel": False, "stale_per_batch": 2}},
        }
    )
    cached = take(thread_steps(w, 3), 3000)
    monkeypatch.setattr(plan_module, "CACHE_BUDGET_STEPS", 0)
    assert take(thread_steps(w, 3), 3000) == cached


def test_tens_of_thousands_of_plans_are_lazy_and_small() -> None:
    w = load_workload(Path("workloads/alloy-production.yaml")).with_overrides(threads=20_000)
    plans = [thread_steps(w, t) for t in range(20_000)]  # nothing is built up front
    assert all(next(p).op in (Op.GET_OR_ADD_GLOBAL_REF_ID, Op.COLLECT) for p in plans)
    tracemalloc.start()  # memory of suspended plans, measured on a slice (tracemalloc is slow)
    try:
        few = [thread_steps(w, t) for t in range(2_000)]
        firsts = [next(p) for p in few]
        used, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(firsts) == 2_000
    assert used / 2_000 < 6_000, f"{used / 2_000:.0f} bytes per suspended plan"


class RecordingStore:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object, ...]] = []
        self.next_id = itertools.count(1)

    def get_or_add_global_ref_id(self, labels: object) -> int:
        gid = next(self.next_id)
        self.calls.append(("GetOrAdd", labels, gid))
        return gid

    def add_local_link(self, component: str, gid: int, local: int) -> None:
        self.calls.append(("AddLocalLink", component, gid, local))


def test_prepopulate_links_every_component_like_alloy() -> None:
    w = workload({"series": {"count": 30, "prepopulated": 3}, "components": 2})
    store = RecordingStore()
    series = SeriesSet(w.series)
    assert prepopulate(store, w, series) == 3
    assert store.calls[:3] == [
        ("GetOrAdd", series.labels(0), 1),
        ("AddLocalLink", "component_0", 1, 0),
        ("AddLocalLink", "component_1", 1, 1),
    ]
    assert store.calls[-1] == ("AddLocalLink", "component_1", 3, 201)
    assert len(store.calls) == 3 * 3


def test_bad_thread_index() -> None:
    with pytest.raises(ValueError):
        thread_steps(workload({}), -1)
    assert store_ops([think(1.0), Step(Op.COLLECT)]) == [Step(Op.COLLECT)]
