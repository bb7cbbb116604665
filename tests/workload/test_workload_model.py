"""The model classes: valid by construction, overrides that name the CLI flag."""

from __future__ import annotations

import dataclasses

import pytest

from lsim.errors import ConfigError
from lsim.labels import HashLayout
from lsim.limits import max_threads
from lsim.workload.costs import COST_DEFAULTS
from lsim.workload.model import (
    MixSpec,
    ModelSpec,
    SeriesSpec,
    TemplateSpec,
    ThreadsSpec,
    Workload,
)
from tests.workload.helpers import workload


def test_defaults_are_a_valid_closed_loop_pipeline() -> None:
    w = Workload()
    assert w.pacing.closed_loop
    assert w.goroutines == w.threads.count
    assert w.series.layout is HashLayout.STRINGLABELS


def test_with_overrides_returns_a_validated_copy() -> None:
    w = workload({"threads": {"count": 100}})
    w2 = w.with_overrides(threads=200, duration_s=2.5, seed=9, iterations=3, mode="burst")
    assert (w2.threads.count, w2.run.duration_s, w2.seed, w2.run.iterations) == (200, 2.5, 9, 3)
    assert w2.threads.mode == "burst"
    assert (w.threads.count, w.seed) == (100, 1), "the original is unchanged"
    assert w.with_overrides() == w


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threads": 10**7}, f"--threads: must be <= {max_threads():,} (got 10,000,000)"),
        ({"threads": 0}, "--threads: must be >= 1 (got 0)"),
        ({"duration_s": -1.0}, "--duration: must be > 0 (got -1)"),
        ({"seed": -3}, "--seed: must be >= 0 (got -3)"),
        ({"mode": "sideways"}, "--mode: unknown thread mode 'sideways'; allowed: steady, burst"),
        ({"iterations": 0}, "--iterations: must be >= 1 (got 0)"),
    ],
)
def test_with_overrides_errors_name_the_flag(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Workload().with_overrides(**kwargs)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)


def test_override_knock_on_error_keeps_the_field() -> None:
    paced = workload({"pacing": {"rate_per_thread": 1.0}})
    with pytest.raises(ConfigError, match=r"^--mode: pacing: burst mode"):
        paced.with_overrides(mode="burst")


def test_costs_are_merged_with_defaults_and_read_only() -> None:
    m = ModelSpec(costs={"hash_ns": 99.0})
    assert m.costs["hash_ns"] == 99.0
    assert set(m.costs) == set(COST_DEFAULTS)
    with pytest.raises(TypeError):
        m.costs["hash_ns"] = 1.0  # type: ignore[index]


def test_direct_construction_is_checked_too() -> None:
    with pytest.raises(ConfigError, match="count: must be an integer"):
        ThreadsSpec(count=1.5)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="prepopulated: must be <= series.count"):
        SeriesSpec(count=5, prepopulated=6)
    with pytest.raises(ConfigError, match="preset's labels are fixed"):
        TemplateSpec(name="alloy-benchmark", labels=(("a", "b"),))
    with pytest.raises(ConfigError, match="needs at least one label"):
        TemplateSpec(name="custom")


def test_layout_given_as_a_string_becomes_the_enum() -> None:
    s = SeriesSpec(layout="slicelabels")  # type: ignore[arg-type]
    assert s.layout is HashLayout.SLICELABELS


def test_mix_weights_are_kept_in_operation_order() -> None:
    m = MixSpec(weights={"Collect": 1, "GetOrAddGlobalRefID": 2})
    assert list(m.weights) == ["GetOrAddGlobalRefID", "Collect"]
    assert [op.go_name for op, _ in m.operations()] == ["GetOrAddGlobalRefID", "Collect"]


def test_workload_is_frozen() -> None:
    w = Workload()
    with pytest.raises(dataclasses.FrozenInstanceError):
        w.seed = 5  # type: ignore[misc]


def test_workloads_are_hashable_and_equal_by_value() -> None:
    a = workload({"ops": {"mix": {"Collect": 1}}, "model": {"costs": {"hash_ns": 1}}})
    b = workload({"ops": {"mix": {"Collect": 1}}, "model": {"costs": {"hash_ns": 1}}})
    assert a == b and hash(a) == hash(b) and len({a, b, Workload()}) == 2
