"""Hostile YAML: bounded size and depth, no aliases, duplicate keys refused, and (property)
whatever text comes in, only lsim's own one-line ConfigError comes out (issue 14)."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsim.errors import ConfigError
from lsim.workload import estimate
from lsim.workload.load import TOP_KEYS, load_workload, parse_workload
from lsim.workload.model import check_runnable
from lsim.workload.yamlsafe import MAX_DEPTH, MAX_FILE_BYTES, parse_yaml

BILLION_LAUGHS = "\n".join(
    [
        "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]",
        *(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]"
            for i in range(8)
        ),
        "threads: {count: *i}",
    ]
)


def _load(tmp_path: Path, text: str | bytes) -> Any:
    path = tmp_path / "w.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return load_workload(path)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (BILLION_LAUGHS, "aliases (*name) are not allowed"),
        ("threads: {count: 3}\nseed: 2\nthreads: {count: 4}\n", "duplicate key 'threads'"),
        ("series:\n  count: 10\n  count: 20\n", "duplicate key 'count' (first at line 2)"),
        ("x: " + "[" * 100_000 + "]" * 100_000, f"nested more than {MAX_DEPTH} levels"),
        ("seed: " + "9" * 5000, "a number of 5,000 characters"),
        ("a: &x {count: 2}\nthreads:\n  <<: *x\n", "aliases"),
        ('name: "\\ud800"\n', "not valid Unicode"),
        ("? [a, b]\n: 1\n", "mapping keys must be plain names"),
    ],
)
def test_hostile_yaml_is_one_line_and_fast(tmp_path: Path, text: str, needle: str) -> None:
    began = time.perf_counter()
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, text)
    assert needle in str(raised.value)
    assert str(raised.value).startswith(str(tmp_path / "w.yaml"))
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 400
    assert time.perf_counter() - began < 5


def test_a_file_larger_than_the_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="larger than a workload file may be"):
        _load(tmp_path, "# " + "x" * MAX_FILE_BYTES + "\n")


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        _load(tmp_path, b"name: \xff\xfe\n")


def test_values_in_messages_are_cut_short() -> None:
    nested = "threads: {count: " + "[" * 20 + "1" + "]" * 20 + "}"
    with pytest.raises(ConfigError) as raised:
        parse_workload(parse_yaml(nested, "w.yaml"), "w.yaml")
    assert "must be an integer (got [[[...]]])" in str(raised.value)
    with pytest.raises(ConfigError) as raised:
        parse_workload({"seed": 10**5000}, "w.yaml")
    assert "an integer of about 5,001 digits" in str(raised.value)


def test_anchors_without_aliases_and_ordinary_files_still_load(tmp_path: Path) -> None:
    w = _load(tmp_path, "name: x\nthreads: &t {count: 7}\n")
    assert w.threads.count == 7


# -- properties ---------------------------------------------------------------------------
SECTION_KEYS = {
    "threads": ["count", "mode"],
    "run": ["duration_s", "iterations", "warmup_s"],
    "series": ["count", "prepopulated", "template", "churn", "layout"],
    "store": ["design", "shards"],
    "ops": ["pipeline", "mix", "draw"],
    "pacing": ["think", "think_s", "rate_per_thread", "batch_size"],
    "model": ["gomaxprocs", "goroutines", "sim_time_s", "costs"],
}
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 2, 10, 1000, 10**9, 2**63, 10**40]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1e-300, 1e300, 0.5, 1e-9, -1.0]),
    st.text(max_size=20),
    st.sampled_from(["steady", "burst", "fixed", "exponential", "mutex", "sharded", "{i//0}"]),
    st.sampled_from(["{i%00}", "{i//00}", "{i%4:a|b}", "x{i}", "{i+" + "9" * 30 + "}"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def workload_like(draw: st.DrawFn) -> dict[str, Any]:
    """Mappings shaped like a workload (the real keys, mostly) with arbitrary values."""
    doc: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from([*TOP_KEYS, "bogus"]), max_size=6, unique=True)):
        if key in SECTION_KEYS and draw(st.booleans()):
            names = draw(st.lists(st.sampled_from(SECTION_KEYS[key]), max_size=4, unique=True))
            doc[key] = {name: draw(values) for name in names}
        else:
            doc[key] = draw(values)
    return doc


def _only_our_errors(text: str) -> None:
    try:
        w = parse_workload(parse_yaml(text, "p.yaml"), "p.yaml")
        check_runnable(w)
        assert estimate.memory(w, "threads").total > 0
        assert estimate.memory(w, "model").total > 0
    except ConfigError as error:
        message = str(error)
        assert message.startswith("p.yaml"), message
        assert "\n" not in message and len(message) < 1000, message


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(doc=workload_like())
def test_generated_workload_yaml_gives_a_workload_or_a_config_error(doc: dict[str, Any]) -> None:
    _only_our_errors(yaml.safe_dump(doc, allow_unicode=True))


@settings(max_examples=200)
@given(
    doc=workload_like(),
    cut=st.floats(0, 1),
    noise=st.text(alphabet="{}[]:,&*!|>-? \n\t'\"#%@`", max_size=8),
)
def test_damaged_workload_yaml_gives_a_workload_or_a_config_error(
    doc: dict[str, Any], cut: float, noise: str
) -> None:
    text = yaml.safe_dump(doc)
    at = math.floor(cut * len(text))
    _only_our_errors(text[:at] + noise + text[at:])


@settings(max_examples=200)
@given(text=st.text(max_size=200))
def test_any_text_gives_a_workload_or_a_config_error(text: str) -> None:
    _only_our_errors(text)
