"""Folded stacks, speedscope JSON and the JSON profile."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from lsim.profile.model import Profile
from lsim.render.folded import FoldedRenderer
from lsim.render.json_render import JsonRenderer
from lsim.render.speedscope import SCHEMA, SpeedscopeRenderer
from tests.fixtures.profiles import small_profile

FOLDED_LINE = re.compile(r"^(\S+) (\d+)$")


@pytest.mark.parametrize("store", ["mutex", "sharded"])
def test_folded_golden(store: str, golden: Callable[[str, str], None]) -> None:
    golden(f"folded-{store}.folded", FoldedRenderer().render(small_profile(store)))


def test_folded_weights_are_census_thread_samples(any_profile: Profile) -> None:
    text = FoldedRenderer().render(any_profile)
    total = 0
    states = {c.state for c in any_profile.census}
    for line in text.splitlines():
        match = FOLDED_LINE.match(line)
        assert match, line
        frames = match.group(1).split(";")
        assert frames[0] in states  # the state is the root frame
        assert frames[-1] != frames[0]
        total += int(match.group(2))
    assert total == sum(c.thread_samples for c in any_profile.census)


def test_folded_merges_shard_cells() -> None:
    text = FoldedRenderer().render(small_profile("sharded"))
    waits = [
        line
        for line in text.splitlines()
        if line.startswith("sync.Mutex.Lock;") and "GetOrAddGlobalRefID" in line
    ]
    assert len(waits) == 1 and waits[0].endswith(" 15")  # shard 0 (9) + shard 2 (6)
    leaf = "sync.(*Mutex).Lock;internal/sync.(*Mutex).Lock;internal/sync.(*Mutex).lockSlow;"
    assert f";{leaf}internal/sync.runtime_SemacquireMutex 15" in waits[0]


@pytest.mark.parametrize("store", ["mutex", "rwmutex"])
def test_speedscope_golden(store: str, golden: Callable[[str, str], None]) -> None:
    golden(f"speedscope-{store}.json", SpeedscopeRenderer().render(small_profile(store)))


def test_speedscope_follows_the_schema(any_profile: Profile) -> None:
    doc = json.loads(SpeedscopeRenderer().render(any_profile))
    assert doc["$schema"] == SCHEMA
    assert doc["exporter"].startswith("lsim ")
    frames = doc["shared"]["frames"]
    assert all(set(f) == {"name", "file", "line"} for f in frames)
    total = 0
    for prof in doc["profiles"]:
        assert prof["type"] == "sampled" and prof["unit"] == "none"
        assert len(prof["samples"]) == len(prof["weights"])
        assert prof["startValue"] == 0 and prof["endValue"] == sum(prof["weights"])
        for stack in prof["samples"]:
            assert all(0 <= i < len(frames) for i in stack)
            # root first: the scrape loop at the bottom
            assert (
                frames[stack[0]]["name"].endswith("(*scrapeLoop).run")
                or "Gather" in frames[stack[0]]["name"]
                or "Run" in frames[stack[0]]["name"]
            )
        total += sum(prof["weights"])
    assert total == sum(c.thread_samples for c in any_profile.census)
    names = [p["name"].split(" ")[0] for p in doc["profiles"]]
    assert len(names) == len(set(names))  # one profile per state
    assert 0 <= doc["activeProfileIndex"] < len(doc["profiles"])


def test_json_golden_and_round_trip(
    mutex_profile: Profile, golden: Callable[[str, str], None]
) -> None:
    text = JsonRenderer().render(mutex_profile)
    golden("profile-mutex.json", text)
    assert Profile.from_dict(json.loads(text)) == mutex_profile
    keys = list(json.loads(text))
    assert keys == sorted(keys)
