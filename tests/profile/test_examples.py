"""Every profile kept in profiles/ loads, round-trips and renders in every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lsim.profile.model import Profile, load_profile, save_profile
from lsim.render import RENDERER_NAMES, get_renderer

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
EXAMPLES = sorted(PROFILES.glob("*.json"))
MAX_EXAMPLE_BYTES = 400_000  # examples stay small (they are committed)


def test_examples_exist_for_mutex_and_sharded() -> None:
    names = [p.name for p in EXAMPLES]
    assert any("mutex" in n for n in names), names
    assert any("sharded" in n for n in names), names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_loads_round_trips_and_is_small(path: Path, tmp_path: Path) -> None:
    assert path.stat().st_size <= MAX_EXAMPLE_BYTES
    profile = load_profile(path)
    assert isinstance(profile, Profile)
    copy = save_profile(profile, tmp_path / "copy.json")
    assert json.loads(copy.read_text()) == json.loads(path.read_text())
    assert profile.census_samples > 0 and profile.total_ops > 0


@pytest.mark.parametrize("fmt", RENDERER_NAMES)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_renders_in_every_format(path: Path, fmt: str) -> None:
    renderer, profile = get_renderer(fmt), load_profile(path)
    if not renderer.applies_to(profile):
        why = f"{fmt} renders {renderer.engines} profiles only, this is {profile.engine}"
        pytest.skip(reason=why)
    assert len(renderer.render(profile)) > 0


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_profiles_written_before_hdr_latency_and_loads_still_load(path: Path) -> None:
    data = json.loads(path.read_text())
    data.pop("load", None)
    for op in data["operations"]:
        for key in ("latency_precision", "latency_significant_digits", "latency_hdr"):
            op.pop(key, None)
    profile = Profile.from_dict(data, source="old")
    assert profile.load == {} and all(op.latency_precision == "" for op in profile.operations)
    text = get_renderer("summary").render(profile)
    assert "latency percentiles" not in text and "Offered" not in text
