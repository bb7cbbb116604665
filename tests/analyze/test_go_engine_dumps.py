"""``lsim analyze`` on real dumps the go engine kept: its own census of that sample, within
1 point; ``lsim fit`` on one recovers the workload (slow)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from lsim.analyze.census import analyze_files
from lsim.profile.kept_dump import kept_dump
from lsim.profile.model import Profile, is_blocked_state
from lsim.workload.load import parse_workload
from tests.engine.go.conftest import needs_go

CONTENDED = {
    "name": "contended-mix",
    "seed": 3,
    "threads": {"count": 400, "mode": "steady"},
    "run": {"duration_s": 1.0, "warmup_s": 0.3},
    "series": {"count": 10000, "prepopulated": 10000},
    "components": 1,
    "ops": {"mix": {"GetOrAddGlobalRefID": 60, "GetLocalRefID": 40}},
    "pacing": {"think": "exponential", "think_s": 0.0001},
}


def go_profile(store: str, goroutines: int = 400, shards: int | None = None) -> Profile:
    from lsim.engine.go import go_run_of, run_go

    workload = parse_workload(CONTENDED, "test")
    workload = dataclasses.replace(
        workload, threads=dataclasses.replace(workload.threads, count=goroutines)
    )
    return run_go(go_run_of(workload, store, shards, goroutines, 2, 100.0))


@needs_go
@pytest.mark.parametrize("store", ["mutex", "rwmutex"])
def test_analyze_gives_the_go_engines_census_of_its_dump(tmp_path: Path, store: str) -> None:
    profile = go_profile(store)
    text = kept_dump(profile)
    assert text
    path = tmp_path / "dump.txt"
    path.write_text(text)
    (d,) = analyze_files([path]).dumps
    engine: Counter[str] = Counter()
    for t in profile.representative:
        if is_blocked_state(t.state):
            engine[t.operation] += 1
    assert d.blocked_by_operation() == dict(engine)  # the same goroutines, one by one
    share_engine = sum(engine.values()) / profile.threads
    assert abs(d.blocked / d.goroutines - share_engine) < 0.01  # within 1 point
    assert d.goroutines - profile.threads < 10  # main, the sampler, signal handling


@needs_go
@pytest.mark.slow
def test_fit_recovers_a_go_engine_workload(tmp_path: Path) -> None:
    from lsim.fit.search import fit
    from lsim.fit.target import target_from_analysis

    profile = go_profile("mutex", goroutines=2000)
    path = tmp_path / "dump.txt"
    path.write_text(kept_dump(profile) or "")
    target = target_from_analysis(analyze_files([path]), "dump")
    result = fit(target, gomaxprocs=2, seed=1)
    assert result.best is not None
    weights = result.best.point.weights
    share = weights["GetOrAddGlobalRefID"] / sum(weights.values())
    if target.blocked_total:  # a dump that caught a convoy, or one nearly all idle
        assert abs(share - 0.6) < 0.05
    assert abs(result.best.point.goroutines - 2000) <= 100
