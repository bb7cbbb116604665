"""What a mix's draws say about real callers (issue 10, item 6), and what the model does with
it: a share of never-seen label sets, and ids that were fetched before they are passed on."""

from __future__ import annotations

import itertools

import pytest

from lsim.engine.model import run_model
from lsim.sync.states import Operation
from lsim.workload.load import parse_workload
from lsim.workload.model import Workload
from lsim.workload.plan import thread_steps

COUNT = 1_000
ID_OPS = {Operation.GET_LOCAL_REF_ID, Operation.ADD_LOCAL_LINK, Operation.REPLACE_LOCAL_LINK}


def mix(new: float, weights: dict[str, float] | None = None, threads: int = 20) -> Workload:
    return parse_workload(
        {
            "seed": 3, "threads": {"count": threads},
            "series": {"count": COUNT, "prepopulated": COUNT},
            "components": 2,
            "ops": {"mix": weights or {"GetOrAddGlobalRefID": 48, "GetLocalRefID": 44,
                                       "AddLocalLink": 4, "ReplaceLocalLink": 2,
                                       "TrackStaleness": 2},
                    "draw": {"new_series": new}},
            "model": {"gomaxprocs": 4, "sim_time_s": 0.004},
        },
        "<test>",
    )  # fmt: skip


def test_a_share_of_get_or_add_calls_brings_never_seen_label_sets() -> None:
    w = mix(0.5)
    seen: set[int] = set()
    new = total = 0
    for t in range(w.threads.count):
        for step in itertools.islice(thread_steps(w, t), 2_000):
            if step.op is Operation.GET_OR_ADD_GLOBAL_REF_ID:
                total += 1
                if step.series >= COUNT:
                    new += 1
                    assert step.series not in seen  # new to the store and every other thread
                    seen.add(step.series)
    assert new / total == pytest.approx(0.5, abs=0.03)
    assert all(s >= COUNT for s in seen)
    steps = list(itertools.islice(thread_steps(mix(0.0), 0), 2_000))
    assert all(s.series < COUNT for s in steps if s.series >= 0)


def test_calls_that_take_an_id_pass_one_the_thread_has_fetched() -> None:
    w = mix(0.3)
    for t in range(w.threads.count):
        fetched: set[int] = set()
        for step in itertools.islice(thread_steps(w, t), 3_000):
            if step.op is Operation.GET_OR_ADD_GLOBAL_REF_ID:
                fetched.add(step.series)
            elif step.op in ID_OPS:
                assert step.series in fetched, (t, step)
            elif step.op is Operation.TRACK_STALENESS:
                assert set(step.stale) | set(step.live) <= fetched


def test_a_thread_that_has_fetched_nothing_fetches_first() -> None:
    w = mix(0.0, {"GetLocalRefID": 1.0})
    first, second = itertools.islice(thread_steps(w, 0), 2)
    assert first.op is Operation.GET_OR_ADD_GLOBAL_REF_ID
    assert second.op is Operation.GET_LOCAL_REF_ID and second.series == first.series


def test_sharded_model_routes_by_the_fetched_id_not_to_shard_0() -> None:
    """Before, an unfetched series passed id 0, and every such call went to shard 0."""
    p = run_model(mix(0.0, threads=40), "sharded", shards=8)
    acquisitions = {lk.name: lk.acquisitions for lk in p.locks if lk.mode == "write"}
    total = sum(acquisitions.values())
    shard0 = acquisitions["labelstore.shard[00].mut"]
    assert total > 1_000
    assert shard0 / total < 2 / 8  # about 1/8, not the GetLocal share (~44%+)


def test_finegrained_takes_the_write_side_for_new_label_sets() -> None:
    w = mix(0.5, {"GetOrAddGlobalRefID": 1.0}, threads=10)
    old = run_model(mix(0.0, {"GetOrAddGlobalRefID": 1.0}, threads=10), "finegrained")
    new = run_model(w, "finegrained")

    def writes(p: object) -> int:
        return sum(lk.acquisitions for lk in p.locks  # type: ignore[attr-defined]
                   if lk.name.endswith("globalMut") and lk.mode == "write")  # fmt: skip

    assert writes(old) == 0
    reads = sum(lk.acquisitions for lk in new.locks
                if lk.name.endswith("globalMut") and lk.mode == "read")  # fmt: skip
    assert writes(new) == pytest.approx(reads / 2, rel=0.1)  # one write per new label set
