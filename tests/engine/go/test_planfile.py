"""The go engine's plan file carries exactly the plans the other engines execute."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from lsim.engine.executor import scrape_phase
from lsim.engine.go.planfile import GoRun, write_plan_file
from lsim.sync.states import Operation
from lsim.workload.load import load_workload
from lsim.workload.model import Workload
from lsim.workload.plan import thread_steps
from lsim.workload.series import SeriesSet
from tests.engine.go.planread import read_plan
from tests.workload.helpers import SHIPPED, workload


def _small(path: Path) -> GoRun:
    w = load_workload(path).with_overrides(threads=7)
    if w.threads.mode == "burst":
        w = w.with_overrides(iterations=2)
    return GoRun(w, "mutex", None, 7, 2)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_workload_round_trips(path: Path, tmp_path: Path) -> None:
    run = _small(path)
    w = run.workload
    stats = write_plan_file(run, tmp_path / "plan.bin")
    plan = read_plan(tmp_path / "plan.bin")
    assert plan.header["goroutines"] == 7 and plan.header["mode"] == w.threads.mode
    assert stats.bytes == (tmp_path / "plan.bin").stat().st_size
    labels = SeriesSet(w.series)
    for index, pairs in plan.series.items():  # every label set is the Python one, in order
        assert pairs == labels.labels(index).pairs
    assert sum(1 for s in plan.setup if s.op is Operation.GET_OR_ADD_GLOBAL_REF_ID) == (
        w.series.prepopulated
    )
    if w.threads.mode == "burst":
        for it, goroutines in enumerate(plan.iterations):
            for g, steps in enumerate(goroutines):
                assert steps == list(thread_steps(w, g, iteration=it))
        return
    for g in range(7):
        assert plan.phases[g] == round(scrape_phase(g) * 1e9)
        sent = plan.prefixes[g] + plan.loops[g] * 3
        # replaying the loop gives the thread's own plan, step for step (static plans), or
        # its first cycles exactly (a plan that keeps changing)
        expected = list(itertools.islice(thread_steps(w, g), len(sent)))
        if g in stats.replay_after:
            sent = plan.prefixes[g] + plan.loops[g]
            expected = expected[: len(sent)]
        assert sent == expected
        for s in sent:  # every series a step names has its labels in the file
            assert s.series < 0 or s.series in plan.series
            assert all(x in plan.series for x in (*s.stale, *s.live))


def test_static_plan_is_sent_once_and_changing_plan_as_far_as_the_run_goes(
    tmp_path: Path,
) -> None:
    paced = workload(
        {
            "threads": {"count": 3},
            "pacing": {"rate_per_thread": 2.0},
            "run": {"duration_s": 3.0, "warmup_s": 0.5},
            "series": {"count": 30, "churn": {"fraction_per_cycle": 0.5}},
            "ops": {"pipeline": {"series_per_thread": 4}},
        }
    )
    stats = write_plan_file(GoRun(paced, "mutex", None, 3, 1), tmp_path / "p.bin")
    plan = read_plan(tmp_path / "p.bin")
    cycles = [sum(1 for s in loop if s.op is Operation.NONE) for loop in plan.loops]
    # 3.5 s at 2 batches/s: 7 batches can start, +2 spare, the first one in the prefix
    assert cycles == [8, 8, 8] and stats.static_goroutines == 0
    static = workload(
        {
            "threads": {"count": 3},
            "pacing": {"rate_per_thread": 2.0},
            "series": {"count": 30},
            "ops": {"pipeline": {"series_per_thread": 4}},
        }
    )
    stats = write_plan_file(GoRun(static, "mutex", None, 3, 1), tmp_path / "s.bin")
    plan = read_plan(tmp_path / "s.bin")
    assert stats.static_goroutines == 3 and not stats.replay_after
    assert all(sum(1 for s in lp if s.op is Operation.NONE) == 1 for lp in plan.loops)
    assert plan.prefixes == [[], [], []]  # relabel: the first cycle is the same as the rest


def dump_mix(*, threads: int, series: int) -> Workload:
    """A closed loop of the dump's mix (GetOrAddGlobalRefID 48, GetLocalRefID 44,
    AddLocalLink 8)."""
    return workload(
        {
            "threads": {"count": threads},
            "series": {"count": series},
            "ops": {"mix": {"GetOrAddGlobalRefID": 48, "GetLocalRefID": 44, "AddLocalLink": 8}},
        }
    )


def test_closed_loop_mix_is_cut_into_short_cycles_within_the_budget(tmp_path: Path) -> None:
    mix = dump_mix(threads=4, series=100)
    stats = write_plan_file(GoRun(mix, "mutex", None, 4, 2), tmp_path / "m.bin")
    plan = read_plan(tmp_path / "m.bin")
    assert len(stats.replay_after) == 4
    for g in range(4):
        sent = plan.prefixes[g] + plan.loops[g]
        assert sent == list(itertools.islice(thread_steps(mix, g), len(sent)))
        assert len(plan.loops[g]) >= 256


def test_a_static_closed_loop_is_sent_as_its_period() -> None:
    from lsim.engine.go.planfile import periodic_tail
    from lsim.workload.steps import Step

    a, b, c, x = (Step(Operation.GET_LOCAL_REF_ID, i) for i in range(4))
    assert periodic_tail([a, b, c] * 5) == (0, 3)
    assert periodic_tail([x, x, a, b, c, a, b, c, a, b, c]) == (2, 3)
    assert periodic_tail([a, b, c, x, a, b]) is None


def test_a_random_mix_ending_in_two_equal_steps_is_not_static() -> None:
    from lsim.engine.go.planfile import periodic_tail, static_tail
    from lsim.workload.steps import Step

    a, b, c, x = (Step(Operation.GET_LOCAL_REF_ID, i) for i in range(4))
    draw = [a, b, c, a, c, b, x, x]
    assert periodic_tail(draw) == (6, 1)  # a chance repeat at the very end ...
    assert static_tail(draw) is None  # ... is no period
    assert static_tail([a, b, c] * 5) == (0, 3)
    assert static_tail([x, x, a, b, c, a, b, c, a, b, c]) == (2, 3)


def test_no_goroutine_of_a_random_mix_replays_one_call(tmp_path: Path) -> None:
    # 2,000 goroutines on 10,000 series, the fidelity benchmark's mix: before, 6 of them drew
    # two equal GetLocalRefID steps last and were sent a one-step loop
    mix = dump_mix(threads=2000, series=10_000)
    stats = write_plan_file(GoRun(mix, "mutex", None, 2000, 2), tmp_path / "m.bin")
    plan = read_plan(tmp_path / "m.bin")
    assert stats.static_goroutines == 0
    assert min(len(plan.loops[g]) for g in range(2000)) >= 256


def test_closed_loop_pipeline_is_found_static(tmp_path: Path) -> None:
    w = workload(
        {
            "threads": {"count": 3},
            "series": {"count": 30},
            "ops": {"pipeline": {"series_per_thread": 4, "relabel": False}},
        }
    )
    stats = write_plan_file(GoRun(w, "mutex", None, 3, 1), tmp_path / "c.bin")
    plan = read_plan(tmp_path / "c.bin")
    assert stats.static_goroutines == 3
    for g in range(3):
        sent = plan.prefixes[g] + plan.loops[g] * 4
        assert sent == list(itertools.islice(thread_steps(w, g), len(sent)))
