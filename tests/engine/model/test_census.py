"""The model's census ticks: besides the goroutine states, each lock's starvation flag (the
bit the go engine reads from a real mutex's state word every 200 us)."""

from __future__ import annotations

from lsim.engine.model.census import Census
from lsim.engine.model.golock import SimMutex
from lsim.engine.model.gorwmutex import SimRWMutex
from lsim.engine.model.locks_report import writer_mutexes
from lsim.engine.model.run import run_model
from lsim.sync.rules import MutexRules

from .helpers import make_sim, small_workload


def test_each_sample_notes_which_mutexes_are_starving() -> None:
    sim = make_sim(lambda g: None, n=2, procs=1)
    hot, cold = MutexRules[object](), MutexRules[object]()
    census = Census(sim, 2, 2, 1000, [("hot", hot), ("cold", cold)])
    hot.starving = True
    for _ in range(3):
        census.sample()
    hot.starving = False
    census.sample()
    assert census.starving_shares() == {"hot": 0.75, "cold": 0.0}
    assert Census(sim, 2, 2, 1000).starving_shares() == {}  # no samples, no locks


def test_an_rwmutex_is_read_by_its_writer_mutex_and_cas_words_are_left_out() -> None:
    m, rw = SimMutex("m", 1), SimRWMutex("rw", 2)
    assert writer_mutexes([m, rw, object()]) == [("m", m.rules), ("rw", rw.w.rules)]


def test_a_model_run_reports_both_mechanisms_under_the_go_engine_s_names() -> None:
    w = small_workload(threads=60, rate=0.0, procs=2, sim_time_s=0.02)
    p = run_model(w, "rwmutex", census_rate_hz=5000.0)
    starving = p.integrations["lock_words"]["model"]["per_lock_starving"]
    assert set(starving) == {lk.name for lk in p.locks}
    assert all(0.0 <= v <= 1.0 for v in starving.values())
    lat = p.integrations["sched_latency"]["model"]
    assert lat["available"] and lat["count"] > 0
    assert 0 <= lat["p50_s"] <= lat["p90_s"] <= lat["p99_s"]
