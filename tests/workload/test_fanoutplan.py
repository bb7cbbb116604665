"""directfanout's plans: the same pipeline compiled to the calls Alloy's direct fanout makes."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter

import pytest

from lsim.engine.fanoutexec import SKIPPED, FanoutCalls
from lsim.errors import ConfigError
from lsim.stores import DirectFanoutStore, create_store, store_options
from lsim.stores.directfanout import FanoutAppender
from lsim.sync.states import Operation
from lsim.workload.fanoutplan import prepopulated_mappings, prepopulated_ref
from lsim.workload.load import load_workload
from lsim.workload.model import PipelineSpec, Workload
from lsim.workload.plan import prepopulate, thread_steps
from lsim.workload.series import SeriesSet
from lsim.workload.steps import CACHED_REF, Step

_OP = Operation


def workload(components: int = 2, **pipeline: object) -> Workload:
    w = load_workload("workloads/alloy-production.yaml")
    p = dataclasses.replace(w.behaviour, **pipeline)  # type: ignore[arg-type]
    names = tuple(f"rw{i}" for i in range(components))
    series = dataclasses.replace(w.series, count=2_000, prepopulated=1_000)
    return dataclasses.replace(w, components=names, behaviour=p, series=series)


def cycle(w: Workload, t: int, skip: int = 0) -> list[Step]:
    """Thread t's steps of one cycle (after ``skip`` cycles), up to its pace step."""
    steps = thread_steps(w, t, calls="fanout")
    for _ in range(skip):
        for st in steps:
            if st.pace_period_s:
                break
    return list(itertools.takewhile(lambda st: not st.pace_period_s, steps))


def test_one_remote_write_makes_no_store_call() -> None:
    steps = cycle(workload(components=1), 3)
    assert len(steps) == 25 and all(st.op is _OP.NONE and st.series >= 0 for st in steps)


def test_two_remote_writes_one_mapping_per_sample_and_one_track_per_batch() -> None:
    w = workload()
    counts = Counter(st.op for st in cycle(w, 3))
    assert counts == {_OP.GET_MAPPING: 25, _OP.CREATE_MAPPING: 25, _OP.UPDATE_MAPPING: 25,
                      _OP.TRACK_APPENDED_SERIES: 1}  # fmt: skip
    gm = next(st for st in cycle(w, 3) if st.op is _OP.GET_MAPPING)
    assert gm.local_id == 0  # behind the relabel stage: ref 0
    create = next(st for st in cycle(w, 3) if st.op is _OP.CREATE_MAPPING)
    assert create.refs == (create.series * 100, create.series * 100 + 1)


def test_threads_spread_over_the_fanouts() -> None:
    w = workload(fanouts=3)
    for t in range(7):
        assert {st.component for st in cycle(w, t)} == {t % 3}


def test_by_thread_components_pass_through() -> None:
    w = workload(components=5, component_select="by_thread")
    assert PipelineSpec.fanout_children(w.behaviour, 5) == 1  # type: ignore[arg-type]
    assert all(st.op is _OP.NONE for st in cycle(w, 2))


def test_without_relabel_the_first_batch_uses_the_warm_cache_then_the_cached_ref() -> None:
    w = workload(relabel=False, fanouts=2)
    first = [st for st in cycle(w, 5) if st.op is _OP.GET_MAPPING]
    p = w.behaviour
    assert isinstance(p, PipelineSpec)
    assert [st.local_id for st in first] == [prepopulated_ref(p, 1, st.series) for st in first]
    assert all(st.local_id > 0 for st in first)
    later = [st for st in cycle(w, 5, skip=1) if st.op is _OP.GET_MAPPING]
    assert {st.local_id for st in later} == {CACHED_REF}
    beyond = [st for st in cycle(w, 60) if st.op is _OP.GET_MAPPING]  # series >= 1,000
    assert {st.local_id for st in beyond} == {CACHED_REF}


def test_prepopulated_refs_are_the_ones_the_store_hands_out() -> None:
    w = workload(relabel=False, fanouts=3)
    store = create_store("directfanout", **store_options("directfanout", w))
    assert isinstance(store, DirectFanoutStore)
    series = SeriesSet(w.series)
    assert prepopulate(store, w, series) == 1_000
    p = w.behaviour
    assert isinstance(p, PipelineSpec)
    for fanout, s, refs in prepopulated_mappings(w):
        ref = prepopulated_ref(p, fanout, s)
        assert store.get_mapping(fanout, ref, series.labels(s)) == refs
    assert sum(len(m) for m in store.mappings) == 1_000
    assert all(len(m.unique_ref_timestamps) == len(m) for m in store.mappings)


def test_a_mix_workload_is_refused() -> None:
    w = load_workload("workloads/closed-loop-mix.yaml")
    with pytest.raises(ConfigError, match="ops.pipeline"):
        thread_steps(w, 0, calls="fanout")


def run_steps(calls: FanoutCalls, steps: list[Step]) -> list[object]:
    return [r for st in steps if st.op is not _OP.NONE if (r := calls.run(st)) is not SKIPPED]


@pytest.mark.parametrize("relabel", [True, False])
def test_the_step_executor_does_what_the_appender_does(relabel: bool) -> None:
    """Three cycles of one thread, with WAL ref changes, through the executor contract and
    through Alloy's appender semantics (FanoutAppender): the same mappings and stamps."""
    w = workload(relabel=relabel, wal_ref_change_probability=0.3)
    w = dataclasses.replace(w, series=dataclasses.replace(w.series, prepopulated=0))
    series = SeriesSet(w.series)
    by_steps = create_store("directfanout", clock=lambda: 0.0)
    by_appender = create_store("directfanout", clock=lambda: 0.0)
    assert isinstance(by_steps, DirectFanoutStore) and isinstance(by_appender, DirectFanoutStore)
    plan = thread_steps(w, 4, calls="fanout")
    calls = FanoutCalls(by_steps, series.labels)
    cached: dict[int, int] = {}
    cycles: list[dict[int, tuple[int, ...]]] = []
    for _ in range(3):
        steps = list(itertools.takewhile(lambda st: not st.pace_period_s, plan))
        run_steps(calls, steps)
        wal: dict[int, tuple[int, ...]] = {st.series: st.refs for st in steps if st.refs}
        cycles.append(wal)
        for s, refs in wal.items():
            app = FanoutAppender(by_appender.mappings[0], 2, lambda c, _g, r=refs: r[c])
            cached[s] = app.append(0 if relabel else cached.get(s, 0), series.labels(s))
            app.commit(0.0)
    a, b = by_steps.mappings[0], by_appender.mappings[0]
    assert a.unique_ref_to_child_refs == b.unique_ref_to_child_refs
    assert a.label_hash_to_unique_ref == b.label_hash_to_unique_ref
    assert a.unique_ref_timestamps == b.unique_ref_timestamps
    stored = {labels: refs for refs, _h, labels in a.unique_ref_to_child_refs.values()}
    # Behind a relabel stage the changes are never stored: the refs of the first cycle stay.
    expected = cycles[0] if relabel else cycles[-1]
    assert stored == {series.labels(s): refs for s, refs in expected.items()}
    assert cycles[0] != cycles[-1]  # (some WAL refs did change)
