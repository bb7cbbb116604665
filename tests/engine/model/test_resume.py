"""Resuming a goroutine whose stack has left the caches (``resume.py``), its two-knee fit
from the calibration ring (``machine.fit_two_knees``), and a burst goroutine's own start-up
(``burst_goroutine_ns``, ``burstcal.py``)."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lsim.engine.model import run_model
from lsim.engine.model.burstcal import burst_workload, fit_burst, model_iteration_ns
from lsim.engine.model.core import Goroutine
from lsim.engine.model.machine import fit_two_knees, runtime_costs
from lsim.engine.model.resume import NEVER, ResumeCosts, resume_ns
from lsim.engine.model.sched import Scheduler
from lsim.workload.costs import COST_DEFAULTS
from lsim.workload.load import parse_workload
from lsim.workload.model import Workload

NEAR_NS, NEAR_G, FAR_NS, FAR_G = 100, 4, 600, 16


def cost(near_d: int, far_d: int | None = None) -> int:
    return resume_ns(near_d, near_d if far_d is None else far_d, NEAR_NS, NEAR_G, FAR_NS, FAR_G)


def test_a_recently_run_goroutine_resumes_warm_and_a_distant_one_pays_each_level() -> None:
    assert cost(NEAR_G) == 0
    assert cost(8) == 50  # the near level, half missed
    assert cost(32) == 100 - 12 + 300
    assert cost(10**9) == NEAR_NS + FAR_NS
    # last ran on another P: the core's own cache has none of it, the shared one may
    assert cost(NEVER, 3) == NEAR_NS


@given(st.integers(1, 10**7), st.integers(1, 10**7))
def test_the_extra_never_shrinks_with_distance(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert 0 <= cost(lo) <= cost(hi) <= NEAR_NS + FAR_NS
    assert cost(lo, hi) <= cost(hi) and cost(hi, lo) <= cost(hi)


def _scheduler(resume: ResumeCosts, nprocs: int = 1) -> Scheduler:
    return Scheduler(nprocs=nprocs, goroutines=40, nlocks=1, switch_ns=10, wakep_ns=0, spin_ns=0,
                     spin_rounds=0, cas_retry_ns=1, next_items=lambda g: None,
                     resume=resume)  # fmt: skip


def _start_delay(sim: Scheduler, g: Goroutine, p: int = 0) -> int:
    """Put ``g`` on P ``p`` and return how long after now its first item runs."""
    sim.heap.clear()
    sim._run_on(sim.procs[p], g)
    return sim.heap[0][0] - sim.now


def test_the_scheduler_charges_each_switch_by_the_goroutine_s_reuse_distance() -> None:
    sim = _scheduler(ResumeCosts(NEAR_NS, NEAR_G, FAR_NS, FAR_G))
    gs = sim.gs
    for g in gs[:3]:  # first runs: nothing of theirs in this core's cache; 1..3 switches in all
        assert _start_delay(sim, g) == 10 + NEAR_NS
    assert _start_delay(sim, gs[0]) == 10  # 3 switches ago: within the near level's 4
    for g in gs[3:35]:
        _start_delay(sim, g)
    # g1 last ran at switch 2, this is switch 37: both levels missed, by their share
    assert _start_delay(sim, gs[1]) == 10 + cost(35)
    assert sim.sched.cold_resumes > 0 and sim.sched.resume_ns > 0
    # with the costs off nothing is charged, however far
    warm = _scheduler(ResumeCosts())
    for g in warm.gs:  # first runs included
        assert _start_delay(warm, g) == 10
    assert _start_delay(warm, warm.gs[0]) == 10 and warm.sched.resume_ns == 0


def test_on_two_ps_the_near_level_is_each_core_s_own() -> None:
    sim = _scheduler(ResumeCosts(NEAR_NS, NEAR_G, FAR_NS, FAR_G), nprocs=2)
    gs = sim.gs
    assert _start_delay(sim, gs[0], 0) == 10 + NEAR_NS  # never ran on P 0
    assert _start_delay(sim, gs[1], 1) == 10 + NEAR_NS  # never ran on P 1
    assert _start_delay(sim, gs[0], 0) == 10  # P 0 started one goroutine since: warm
    for g in gs[2:8]:  # six more on P 1: P 0's cache still has g0's lines
        _start_delay(sim, g, 1)
    assert _start_delay(sim, gs[0], 0) == 10 + cost(1, 8)  # 8 switches in all, 1 on P 0
    assert _start_delay(sim, gs[0], 1) == 10 + NEAR_NS  # moved to P 1: its lines are on P 0


def _closed_loop(goroutines: int) -> Workload:
    return parse_workload({
        "name": "resume", "seed": 1, "threads": {"count": goroutines},
        "run": {"duration_s": 1.0, "warmup_s": 0.002},
        "series": {"count": 200, "prepopulated": 200, "template": "alloy-benchmark"},
        "components": 1,
        "ops": {"mix": {"GetOrAddGlobalRefID": 48.0, "GetLocalRefID": 44.0, "AddLocalLink": 8.0}},
        "model": {"gomaxprocs": 1, "sim_time_s": 0.03,
                  "costs": {"scrape_parse_ns": 0.0, "wal_append_ns": 0.0}},
    }, "<resume test>")  # fmt: skip


def _with_costs(w: Workload, **costs: float) -> Workload:
    merged = MappingProxyType({**w.model.costs, **costs})
    return dataclasses.replace(w, model=dataclasses.replace(w.model, costs=merged))


def test_many_goroutines_taking_turns_pay_for_their_resumes() -> None:
    """A one-P closed loop of 300 goroutines on one mutex switches among more goroutines than
    the near level holds: the resumes cost time and the throughput drops."""
    w = _closed_loop(300)
    cold = run_model(_with_costs(w, resume_near_ns=400.0, resume_near_goroutines=8.0), "mutex")
    warm = run_model(_with_costs(w, resume_near_ns=0.0, resume_far_ns=0.0), "mutex")
    assert cold.timings["sched_resume_ns"] > 0 and warm.timings["sched_resume_ns"] == 0
    assert cold.timings["sched_switches"] > 0
    assert cold.ops_per_s < warm.ops_per_s


def ring(near: float, near_c: float, far: float, far_c: float) -> list[tuple[int, float]]:
    return [(n, 190 + near * max(0.0, 1 - near_c / n) + far * max(0.0, 1 - far_c / n))
            for n in (2**k for k in range(1, 16))]  # fmt: skip


@pytest.mark.parametrize(
    ("near", "near_c", "far", "far_c"), [(106.0, 470.0, 695.0, 4467.0), (60.0, 64.0, 300.0, 2048.0)]
)
def test_the_two_knee_fit_recovers_both_cache_levels(
    near: float, near_c: float, far: float, far_c: float
) -> None:
    got = fit_two_knees(ring(near, near_c, far, far_c))
    assert got[0] == pytest.approx(near, rel=0.1) and got[2] == pytest.approx(far, rel=0.1)
    assert got[1] == pytest.approx(near_c, rel=0.1) and got[3] == pytest.approx(far_c, rel=0.1)


def test_one_knee_or_none() -> None:
    knee = 2**9.5  # on the fit's grid of 1/8 octaves from 2: exactly one knee fits best
    near, near_c, far, far_c = fit_two_knees(ring(150.0, knee, 0.0, 1.0))
    assert near == pytest.approx(150.0, rel=0.01) and near_c == pytest.approx(knee, rel=0.01)
    assert far == 0.0 == far_c
    assert fit_two_knees([(2, 190.0), (64, 190.0), (4096, 189.0)]) == (0.0, 0.0, 0.0, 0.0)


def test_the_switch_ring_becomes_the_resume_costs() -> None:
    from tests.engine.model.test_calibrate import figures

    raw = figures()
    raw["switch_ring"] = [{"goroutines": n, "ns": {"min": t, "median": t, "p10": t, "p90": t,
                                                   "n": 3}}
                          for n, t in ring(106.0, 470.0, 695.0, 4467.0)]  # fmt: skip
    m = runtime_costs(raw)  # type: ignore[arg-type]
    assert m.costs["resume_near_ns"] == pytest.approx(106.0, rel=0.1)
    assert m.costs["resume_far_goroutines"] == pytest.approx(4467.0, rel=0.1)
    assert "32,768 goroutines" in m.sources["resume_near_ns"]
    assert "resume_near_ns" not in runtime_costs(figures()).costs  # type: ignore[arg-type]


def _burst(goroutines: int = 400) -> Workload:
    return burst_workload(3, goroutines)


def test_every_spawned_goroutine_pays_its_start_up_once() -> None:
    """At one P the workers run one after another, so each goroutine's start-up adds its ns to
    the iteration, once per goroutine (not per call)."""
    w = _burst()
    base = {**COST_DEFAULTS, "burst_goroutine_ns": 0.0}
    without = model_iteration_ns(w, "sharded", base)
    with_start = model_iteration_ns(w, "sharded", {**base, "burst_goroutine_ns": 5_000.0})
    assert with_start - without == pytest.approx(400 * 5_000.0, rel=0.05)


def test_the_burst_fit_recovers_the_start_up_that_made_the_iterations() -> None:
    truth = {**COST_DEFAULTS, "burst_goroutine_ns": 3_000.0}
    value, cells = fit_burst(dict(COST_DEFAULTS), quick=True, goroutines=400,
                             measure=lambda w, d: model_iteration_ns(w, d, truth))  # fmt: skip
    assert value == pytest.approx(3_000.0, rel=0.05)
    assert set(cells) == {"mutex/burst iteration", "sharded/burst iteration"}
    for cell in cells.values():
        assert cell["model_ns"] == pytest.approx(cell["measured_ns"], rel=0.05)
    slower, _ = fit_burst(dict(COST_DEFAULTS), quick=True, goroutines=400,
                          measure=lambda w, d: 0.0)  # fmt: skip
    assert slower == 0.0  # Go faster than the model: no negative start-up
