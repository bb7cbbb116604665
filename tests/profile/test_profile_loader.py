"""Damaged profile files: one line naming the file and the field, never a traceback, and
(property) whatever a damaged file holds, loading it and rendering it in every format give
only lsim's own errors (issue 14, item 8)."""

from __future__ import annotations

import contextlib
import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsim.errors import LsimError, ProfileFormatError
from lsim.profile.diff import diff_profiles
from lsim.profile.model import load_profile, save_profile
from lsim.profile.report import report_dict
from lsim.render import RENDERER_NAMES, get_renderer
from lsim.render.diff import render_diff
from tests.fixtures.profiles import small_profile

BASES = [small_profile(store).to_dict() for store in ("mutex", "sharded", "rwmutex")]


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    return path


def _with(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASES[0])
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with(threads="lots"), "field threads: must be an integer (got 'lots')"),
        (_with(duration_s=None), "field duration_s: must be a number (got null)"),
        (_with(census=[{"state": "running"}]), "field census[0].operation: missing"),
        (_with(locks=7), "field locks: must be a list (got 7)"),
        (_with(total_ops=-5), "field total_ops: must be 0..9223372036854775807 (got -5)"),
        (_with(ops_per_s=float("nan")), "field ops_per_s: must be a finite number >= 0"),
        (_with(stacks={"Op": [["f", "file.go:x"]]}), "field stacks.Op[0]: must be [function"),
        (_with(created="yesterday"), "field created: must be an ISO 8601 time"),
        ([1, 2], "not an lsim profile (not a JSON object)"),
    ],
)
def test_a_damaged_field_is_one_line_naming_it(tmp_path: Path, data: Any, message: str) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(ProfileFormatError) as raised:
        load_profile(path)
    assert str(raised.value) == f"profile {path}: {message}" or message in str(raised.value)
    assert str(raised.value).startswith(f"profile {path}: ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 4, "not UTF-8 text"),
        (b"\xff\xfe{}", "not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deep"),
        (b'{"a": ' + b"9" * 5000 + b"}", "not an lsim profile"),
        (b'{"kind": "lsim-profile"', "not JSON"),
        (b"", "not JSON"),
    ],
)
def test_a_file_that_is_not_a_profile_is_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(content)
    with pytest.raises(ProfileFormatError) as raised:
        load_profile(path)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_a_saved_profile_loads_back_equal(tmp_path: Path) -> None:
    for store in ("mutex", "sharded", "rwmutex"):
        profile = small_profile(store)
        assert load_profile(save_profile(profile, tmp_path / f"{store}.json")) == profile


# -- property: damage anywhere ---------------------------------------------------------------
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**66), max_value=2**66),
    st.sampled_from([2**63 - 1, 2**63, 10**40, 0, -1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, 9e15, 1e7, 0.5]),
    st.text(max_size=12),
    st.sampled_from(["a:b", "x:1", "2026-01-01T00:00:00+00:00", "9999-01-01"]),
    st.lists(st.integers(0, 10), max_size=3),
    st.just({}),
    st.just([["f", "g.go:1"]]),
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data[:3]):
            out += _paths(value, (*prefix, index))
    return out


@st.composite
def damaged(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(_paths(data)))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.integers(0, 5)) == 0:
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(draw(JUNK))  # st.just() shares its value
    return data


@settings(max_examples=250, suppress_health_check=[HealthCheck.too_slow])
@given(data=damaged())
def test_damaged_profiles_load_and_render_or_give_a_profile_error(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.json"
        path.write_text(json.dumps(data))
        try:
            profile = load_profile(path)
        except ProfileFormatError as error:
            assert str(error).startswith(f"profile {path}: ") and "\n" not in str(error)
            return
    for name in RENDERER_NAMES:
        with contextlib.suppress(LsimError):
            get_renderer(name).render(profile)
    json.dumps(report_dict(profile))
    render_diff(diff_profiles(profile, small_profile("mutex")))
