"""Derived operation shares: the production ~50/50 split, and agreement with a real store."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest

from lsim.stores import create_store
from lsim.workload.load import builtin_workload, load_workload, parse_workload, workload_to_dict
from lsim.workload.plan import operation_shares, prepopulate, thread_steps
from lsim.workload.series import SeriesSet
from lsim.workload.shares import sample_thread_indices
from tests.workload.helpers import ReferenceExecutor, workload

FAST = {"sample_threads": 32, "steps": 600}


@pytest.mark.parametrize("ref", ["workloads/alloy-production.yaml", "builtin"])
def test_production_split_is_about_fifty_fifty(ref: str) -> None:
    w = builtin_workload() if ref == "builtin" else load_workload(Path(ref))
    shares = operation_shares(w, **FAST)
    get_or_add, get_local = shares["GetOrAddGlobalRefID"], shares["GetLocalRefID"]
    assert abs(get_or_add - get_local) < 0.01
    assert 0.45 < get_or_add < 0.5 and get_or_add + get_local > 0.95
    assert shares.get("ReplaceLocalLink", 0.0) == 0.0, "stable WAL refs: nothing to replace"
    assert sum(shares.values()) == pytest.approx(1.0)


def test_read_heavy_is_get_local_dominated() -> None:
    shares = operation_shares(
        load_workload(Path("workloads/read-heavy.yaml")), sample_threads=32, steps=3_000
    )
    assert shares["GetLocalRefID"] > 0.9


def test_high_churn_adds_and_replaces() -> None:
    shares = operation_shares(load_workload(Path("workloads/high-churn.yaml")), **FAST)
    assert shares["AddLocalLink"] > 0.1 and shares["ReplaceLocalLink"] > 0.002


def test_alloy_benchmark_shares() -> None:
    w = load_workload(Path("workloads/alloy-high-contention.yaml"))
    shares = operation_shares(w, sample_threads=2_000)
    # per goroutine: GetOrAdd, GetLocal, one of Add/Replace, and 1 in 10 a TrackStaleness
    assert shares["GetOrAddGlobalRefID"] == pytest.approx(1 / 3.1, abs=0.01)
    assert shares["GetLocalRefID"] == shares["GetOrAddGlobalRefID"]
    link = shares["AddLocalLink"] + shares["ReplaceLocalLink"]
    assert link == pytest.approx(shares["GetOrAddGlobalRefID"], abs=1e-9)
    assert shares["TrackStaleness"] == pytest.approx(0.1 / 3.1, abs=0.005)
    assert shares["ReplaceLocalLink"] > shares["AddLocalLink"]


def test_sample_includes_thread_zero_and_avoids_residue_bias() -> None:
    w = workload({"threads": {"count": 20_000}})
    sample = sample_thread_indices(w, 256)
    assert sample[0] == 0 and len(sample) > 250
    assert 0.05 < sum(t % 10 == 0 for t in sample) / len(sample) < 0.15


@pytest.mark.parametrize(
    "ref",
    ["workloads/alloy-production.yaml", "workloads/high-churn.yaml", "workloads/read-heavy.yaml"],
)
def test_estimate_agrees_with_a_real_store(ref: str) -> None:
    """Run sample threads one after the other on a real store; count what was called."""
    data = workload_to_dict(load_workload(Path(ref)))
    spt = data["ops"]["pipeline"]["series_per_thread"]
    data["threads"]["count"] = 200  # same shape, fewer series to prepopulate
    data["series"]["count"] = data["series"]["prepopulated"] = 200 * spt
    w = parse_workload(data, ref)
    store = create_store("mutex", layout=w.series.layout)
    series = SeriesSet(w.series)
    prepopulate(store, w, series)
    calls: Counter[str] = Counter()
    for t in sample_thread_indices(w, 16):
        executor = ReferenceExecutor(store, series, w.components)
        executor.run(itertools.islice(thread_steps(w, t), 500))
        calls += executor.calls
    total = sum(calls.values())
    estimate = operation_shares(w, sample_threads=16, steps=500)
    for name, share in estimate.items():
        assert calls[name] / total == pytest.approx(share, abs=0.01), name
