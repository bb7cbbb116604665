"""Loading workload files: shipped files, round trips, and errors that name file + field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lsim.errors import ConfigError
from lsim.limits import max_threads
from lsim.workload.load import (
    BUILTIN_NAMES,
    builtin_workload,
    load_workload,
    parse_workload,
    resolve_workload,
    workload_to_dict,
)
from lsim.workload.model import MixSpec, PipelineSpec
from lsim.workload.template import new_workload_text
from tests.workload.helpers import SHIPPED

EXPECTED_FILES = {"alloy-production", "alloy-high-contention", "read-heavy", "high-churn"}


def test_the_four_shipped_workloads_exist() -> None:
    assert {p.stem for p in SHIPPED} >= EXPECTED_FILES


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_workload_validates_and_round_trips(path: Path) -> None:
    w = load_workload(path)
    assert w.name == path.stem
    assert w.source == str(path)
    assert path.read_text().startswith("#"), "each shipped workload starts with a comment header"
    again = parse_workload(workload_to_dict(w), str(path))
    assert again == w


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_validates_and_round_trips(name: str) -> None:
    w = builtin_workload(name)
    assert w.source == f"builtin:{name}"
    assert parse_workload(workload_to_dict(w), w.source) == w
    assert 1_000 <= w.threads.count <= 2_000 and w.run.duration_s <= 5
    assert not w.pacing.closed_loop, "the default is paced (DESIGN §5)"


def test_round_trip_through_yaml_text(tmp_path: Path) -> None:
    w = load_workload(Path("workloads/alloy-high-contention.yaml"))
    out = tmp_path / "copy.yaml"
    out.write_text(yaml.safe_dump(workload_to_dict(w), sort_keys=False))
    again = load_workload(out)
    assert workload_to_dict(again) == workload_to_dict(w)


def test_mix_round_trips() -> None:
    data = {
        "ops": {"mix": {"GetLocalRefID": 3, "GetOrAddGlobalRefID": 1}, "draw": {"series": "thread"}}
    }
    w = parse_workload(data, "m.yaml")
    assert isinstance(w.behaviour, MixSpec)
    assert list(w.behaviour.weights) == ["GetOrAddGlobalRefID", "GetLocalRefID"]
    assert parse_workload(workload_to_dict(w), "m.yaml") == w


def test_new_template_validates() -> None:
    w = parse_workload(yaml.safe_load(new_workload_text("my-prod")), "my-prod.yaml")
    assert w.name == "my-prod"
    assert isinstance(w.behaviour, PipelineSpec)


def test_alloy_high_contention_matches_the_benchmark() -> None:
    w = load_workload(Path("workloads/alloy-high-contention.yaml"))
    p = w.behaviour
    assert isinstance(p, PipelineSpec)
    assert (w.threads.count, w.threads.mode) == (20_000, "burst")
    assert (w.series.count, w.series.prepopulated, w.series.template.name) == (
        10_000,
        5_000,
        "alloy-benchmark",
    )
    assert w.components == tuple(f"component_{i}" for i in range(5))
    assert (p.series_per_thread, p.series_select, p.series_stride) == (1, "stride", 7)
    assert (p.component_select, p.local_ids, p.relabel) == ("by_thread", "benchmark", True)
    assert (p.track_every_n_threads, p.stale_per_batch, p.track_live) == (10, 1, False)
    assert p.collect_every == 10 and 1 < w.run.iterations <= 10


def test_defaults_for_an_almost_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "tiny.yaml"
    f.write_text("threads: {count: 10}\n")
    w = load_workload(f)
    assert w.name == "tiny" and w.threads.count == 10 and isinstance(w.behaviour, PipelineSpec)


def test_resolve_workload_refs(tmp_path: Path) -> None:
    assert resolve_workload(None).source == "builtin:default"
    assert resolve_workload("builtin").source == "builtin:default"
    assert resolve_workload("builtin:default").source == "builtin:default"
    with pytest.raises(ConfigError, match="unknown builtin workload 'nope'; allowed: default"):
        resolve_workload("builtin:nope")


# (yaml data, field, fragments the message must contain)
BAD: list[tuple[Any, str, tuple[str, ...]]] = [
    ({"thraeds": {}}, "thraeds", ("unknown key", "did you mean 'threads'", "allowed: name,")),
    ({"threads": {"cont": 5}}, "threads.cont", ("unknown key", "allowed: count, mode")),
    ({"threads": {"count": "many"}}, "threads.count", ("must be an integer (got 'many')",)),
    ({"threads": {"count": True}}, "threads.count", ("must be an integer (got True)",)),
    ({"threads": 5}, "threads", ("must be a mapping",)),
    ({"threads": {"count": 0}}, "threads.count", ("must be >= 1 (got 0)",)),
    (
        {"threads": {"count": max_threads() + 1}},
        "threads.count",
        (f"must be <= {max_threads():,}", "threads can start in one process", "model engine"),
    ),
    (
        {"threads": {"mode": "fast"}},
        "threads.mode",
        ("unknown thread mode 'fast'", "allowed: steady, burst"),
    ),
    ({"run": {"duration_s": 0}}, "run.duration_s", ("must be > 0 (got 0)",)),
    ({"ops": {"mix": {"GetLocalRefID": -1}}}, "ops.mix.GetLocalRefID", ("must be >= 0 (got -1)",)),
    ({"ops": {"mix": {"GetLocalRefID": 0, "Collect": 0}}}, "ops.mix", ("all weights are 0",)),
    (
        {"ops": {"mix": {"Lookup": 1}}},
        "ops.mix.Lookup",
        ("unknown operation 'Lookup'", "allowed: GetOrAddGlobalRefID, GetLocalRefID"),
    ),
    ({"ops": {"mix": {"Collect": "lots"}}}, "ops.mix.Collect", ("must be a number",)),
    (
        {"ops": {"mix": {"Collect": 1}, "draw": {"series": "zipf"}}},
        "ops.draw.series",
        ("unknown series draw 'zipf'", "allowed: uniform, thread"),
    ),
    ({"ops": {"mix": {"Collect": 1}, "pipeline": {}}}, "ops", ("either pipeline or mix",)),
    ({"ops": {"draw": {}}}, "ops.draw", ("only used with ops.mix",)),
    (
        {"ops": {"pipeline": {"relabel": "yes please"}}},
        "ops.pipeline.relabel",
        ("must be true or false",),
    ),
    (
        {"ops": {"pipeline": {"series_select": "zigzag"}}},
        "ops.pipeline.series_select",
        ("allowed: block, stride, random",),
    ),
    (
        {"ops": {"pipeline": {"series_stride": 7}}},
        "ops.pipeline.series_stride",
        ("only used with series_select: stride",),
    ),
    (
        {"ops": {"pipeline": {"local_ids": "x"}}},
        "ops.pipeline.local_ids",
        ("allowed: stable, benchmark",),
    ),
    (
        {"ops": {"pipeline": {"series_per_thread": 20}}, "series": {"count": 10}},
        "ops.pipeline.series_per_thread",
        ("must be <= series.count",),
    ),
    (
        {"ops": {"pipeline": {"stale_per_batch": 30}}},
        "ops.pipeline.stale_per_batch",
        ("must be <= series_per_thread",),
    ),
    (
        {"store": {"design": "sharded", "shards": 300}},
        "store.shards",
        ("must be <= 256 (got 300)", "top 8 bits"),
    ),
    ({"store": {"design": "mutex", "shards": 4}}, "store.shards", ("only for design: sharded",)),
    (
        {"store": {"design": "btree"}},
        "store.design",
        ("unknown store design 'btree'", "allowed: mutex, rwmutex"),
    ),
    (
        {"series": {"count": 10, "prepopulated": 11}},
        "series.prepopulated",
        ("must be <= series.count (10) (got 11)",),
    ),
    (
        {"series": {"layout": "json"}},
        "series.layout",
        ("unknown hash layout 'json'", "allowed: stringlabels, slicelabels"),
    ),
    (
        {"series": {"template": "prometheus"}},
        "series.template",
        ("unknown template 'prometheus'", "allowed: alloy-benchmark"),
    ),
    (
        {"series": {"template": {"job": "x-{j}"}}},
        "series.template.job",
        ("bad placeholder '{j}'", "allowed: {i}"),
    ),
    ({"series": {"template": {"job": 5}}}, "series.template.job", ("must be a string",)),
    ({"series": {"template": {"job": "x-{i%0}"}}}, "series.template.job", ("modulo by zero",)),
    (
        {"series": {"churn": {"fraction_per_cycle": 2}}},
        "series.churn.fraction_per_cycle",
        ("must be <= 1 (got 2)",),
    ),
    (
        {"series": {"churn": {"fraction_per_cycle": 0.1}}, "ops": {"mix": {"Collect": 1}}},
        "series.churn",
        ("ops.pipeline only",),
    ),
    ({"components": 0}, "components", ("must be 1..100",)),
    ({"components": ["a", "a"]}, "components", ("unique",)),
    ({"components": ["a", ""]}, "components[1]", ("non-empty string",)),
    ({"pacing": {"think": "fixed"}}, "pacing.think_s", ("must be > 0 with think: fixed",)),
    (
        {"pacing": {"think": "gaussian", "think_s": 1}},
        "pacing.think",
        ("allowed: none, fixed, exponential",),
    ),
    (
        {"pacing": {"think": "fixed", "think_s": 1, "rate_per_thread": 2}},
        "pacing.think",
        ("not both",),
    ),
    ({"pacing": {"batch_size": 5}}, "pacing.batch_size", ("only for ops.mix",)),
    (
        {"threads": {"mode": "burst"}, "pacing": {"rate_per_thread": 1}},
        "pacing",
        ("steady mode only",),
    ),
    (
        {"model": {"costs": {"lock_ns": 5}}},
        "model.costs.lock_ns",
        ("unknown cost 'lock_ns'", "allowed: hash_ns"),
    ),
    ({"model": {"costs": {"hash_ns": -5}}}, "model.costs.hash_ns", ("must be >= 0",)),
    ({"model": {"goroutines": 2_000_000}}, "model.goroutines", ("must be <= 1,000,000",)),
    ({"seed": -1}, "seed", ("must be >= 0",)),
    ({"name": ""}, "name", ("non-empty string",)),
]


@pytest.mark.parametrize(
    ("data", "field", "fragments"), BAD, ids=[b[1] + ":" + b[2][0][:20] for b in BAD]
)
def test_bad_input_names_file_field_and_allowed_values(
    tmp_path: Path, data: Any, field: str, fragments: tuple[str, ...]
) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as caught:
        load_workload(f)
    error = caught.value
    assert (error.source, error.field) == (str(f), field)
    assert str(error).startswith(f"{f}: {field}: ")
    for fragment in fragments:
        assert fragment in str(error)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("threads:\n  count: [1,\n", ("invalid YAML at line", "column")),
        ("threads: {count: 1}\n  mode: steady\n", ("invalid YAML at line 2",)),
        ("- 1\n- 2\n", ("the top level must be a mapping", "a list")),
        ("", ("the file is empty",)),
        ("just a string\n", ("the top level must be a mapping",)),
        ("!!python/object:os.system {}\n", ("YAML",)),
    ],
)
def test_file_level_errors(tmp_path: Path, text: str, fragments: tuple[str, ...]) -> None:
    f = tmp_path / "w.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_workload(f)
    assert str(caught.value).startswith(f"{f}: ")
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_missing_unreadable_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: no such workload file"):
        load_workload(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="is a directory"):
        load_workload(tmp_path)
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_workload(binary)
