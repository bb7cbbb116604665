"""``run_model`` end to end on small workloads: the Profile is complete and reproducible."""

from __future__ import annotations

import gc
import json

import pytest

from lsim.engine.model import parse_sim_time, run_model
from lsim.engine.model.run import _RUN_GC_THRESHOLDS
from lsim.errors import ConfigError
from lsim.profile.model import Profile
from lsim.render import get_renderer
from lsim.stores import STORE_NAMES
from lsim.workload.costs import COST_DEFAULTS

from .helpers import small_workload, with_costs


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("200ms", 0.2), ("1.5s", 1.5), ("500us", 5e-4), ("100000ns", 1e-4), ("2", 2.0),
     (" 10 ms ", 0.01)],
)  # fmt: skip
def test_parse_sim_time(text: str, seconds: float) -> None:
    assert parse_sim_time(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "fast", "-1s", "0ms", "10 min", "1e"])
def test_parse_sim_time_rejects_with_the_allowed_forms(text: str) -> None:
    with pytest.raises(ConfigError, match=r"--sim-time.*ns, us, ms, s"):
        parse_sim_time(text)


@pytest.fixture(scope="module")
def profile() -> Profile:
    w = small_workload(threads=60, rate=400.0, spt=5, procs=4, sim_time_s=0.02)
    return run_model(w, "mutex", census_rate_hz=5000.0, command="lsim run --engine model")


def test_profile_is_filled_in(profile: Profile) -> None:
    p = profile
    assert (p.engine, p.store, p.threads, p.seed) == ("model", "mutex", 60, 7)
    assert p.duration_s == pytest.approx(0.015)  # 20 ms minus the 25% warm-up
    assert p.census_samples == len(p.blocked_per_sample) == 75
    assert sum(c.thread_samples for c in p.census) == 60 * p.census_samples
    assert len(p.representative) == 60
    assert {t.state for t in p.representative} <= {
        "running",
        "runnable",
        "sync.Mutex.Lock",
        "sleep",
    }
    assert p.total_ops == sum(o.count for o in p.operations) > 0
    assert sum(p.thread_ops) == p.total_ops
    ops = {o.operation for o in p.operations}
    assert {"GetOrAddGlobalRefID", "GetLocalRefID"} <= ops
    assert set(p.stacks) == ops
    assert p.stacks["GetLocalRefID"][-1][0].endswith("(*Service).GetLocalRefID")
    (lock,) = p.locks
    assert (lock.name, lock.kind, lock.mode) == ("labelstore.Service.mut", "mutex", "write")
    # one acquisition per call; calls that straddle the window's edges count on one side only
    assert abs(lock.acquisitions - p.total_ops) <= p.threads
    assert lock.hold_total_ns > 0
    assert p.regime in ("saturated", "below-saturation") and p.regime_reason
    assert p.machine["engine"] == "model" and p.machine["gomaxprocs"] == 4
    assert p.command == "lsim run --engine model"
    assert any("simulation" in note for note in p.notes)
    restored = Profile.from_dict(json.loads(json.dumps(p.to_dict())))
    assert restored == p


@pytest.mark.parametrize("renderer", ["summary", "goroutines", "pprof", "folded", "json"])
def test_renderers_accept_model_profiles(profile: Profile, renderer: str) -> None:
    out = get_renderer(renderer).render(profile)
    assert out


def test_same_seed_same_run_other_seed_other_run() -> None:
    w = small_workload(threads=30, rate=300.0, procs=2, sim_time_s=0.01)
    a = run_model(w, "sharded", shards=4)
    b = run_model(w, "sharded", shards=4)
    c = run_model(w, "sharded", shards=4, seed=8)
    assert (a.blocked_per_sample, a.thread_ops) == (b.blocked_per_sample, b.thread_ops)
    assert a.census == b.census
    assert (a.thread_ops, a.seed) != (c.thread_ops, c.seed)


@pytest.mark.parametrize("store", STORE_NAMES)
def test_every_design_runs(store: str) -> None:
    w = small_workload(threads=20, rate=200.0, procs=4, sim_time_s=0.01,
                       components=("a", "b"), wal_ref_change_probability=0.2)  # fmt: skip
    p = run_model(w, store, shards=8 if store == "sharded" else None)
    assert p.total_ops > 0
    assert p.store == store


def test_burst_mode_reports_time_per_iteration() -> None:
    w = small_workload(threads=200, mode="burst", iterations=3, spt=1, procs=4,
                       costs={"scrape_parse_ns": 0.0, "wal_append_ns": 0.0})  # fmt: skip
    p = run_model(w, "mutex")
    assert p.timings["iterations"] == 3
    assert 0 < p.timings["iteration_ns_min"] <= p.timings["iteration_ns_median"]
    assert p.timings["iteration_ns_median"] <= p.timings["iteration_ns_max"]
    # 200 serial `go` statements at 250 ns bound each iteration from below
    assert p.timings["iteration_ns_min"] >= 200 * 250
    assert p.total_ops >= 3 * 200 * 2
    assert p.regime == "saturated"


def test_overrides_and_unknown_store() -> None:
    w = small_workload(threads=10, rate=100.0, sim_time_s=0.01)
    p = run_model(w, "mutex", gomaxprocs=3, goroutines=25, sim_time_s=0.004)
    assert (p.machine["gomaxprocs"], p.threads, p.machine["sim_time_s"]) == (3, 25, 0.004)
    with pytest.raises(ConfigError, match="known stores"):
        run_model(w, "nosuch")


def test_burst_goroutines_pay_spawn_wg_done_and_exit() -> None:
    """Each worker ends with wg.Done (an atomic on the shared counter) and goexit0
    (``exit_ns``); main pays wg.Add + the go statement (``spawn_ns``) for each, serially."""
    base = {"scrape_parse_ns": 0.0, "wal_append_ns": 0.0, "line_transfer_ns": 0.0}
    w = small_workload(threads=100, mode="burst", iterations=2, spt=1, procs=1, costs=base)
    plain = run_model(w, "mutex")
    slow_exit = run_model(with_costs(w, exit_ns=1_000.0), "mutex")
    slow_spawn = run_model(with_costs(w, spawn_ns=2_000.0), "mutex")
    it = "iteration_ns_median"
    # one P: every exit and every spawn adds to the iteration, one per worker
    assert slow_exit.timings[it] - plain.timings[it] == pytest.approx(
        100 * (1_000 - COST_DEFAULTS["exit_ns"]), rel=0.02
    )
    assert slow_spawn.timings[it] - plain.timings[it] == pytest.approx(
        100 * (2_000 - COST_DEFAULTS["spawn_ns"]), rel=0.02
    )


def test_a_run_collects_rarely_and_gives_the_caller_its_gc_thresholds_back() -> None:
    """During a run the cyclic GC runs at the model's thresholds (issue 15: at Python's
    defaults, full collections were 15-25% of a production-size run); after it, even when it
    fails, the caller's thresholds are back."""
    callers = (1234, 5, 6)
    saved = gc.get_threshold()
    gc.set_threshold(*callers)
    try:
        w = small_workload(threads=40, rate=400.0, spt=5, procs=2, sim_time_s=0.02)
        during: list[tuple[int, int, int]] = []
        run_model(w, "mutex", progress=lambda done: during.append(gc.get_threshold()))
        assert during and set(during) == {_RUN_GC_THRESHOLDS}
        assert gc.get_threshold() == callers

        def fail(done: float) -> None:
            raise RuntimeError("progress callback failed")

        with pytest.raises(RuntimeError, match="progress callback failed"):
            run_model(w, "mutex", progress=fail)
        assert gc.get_threshold() == callers
    finally:
        gc.set_threshold(*saved)
