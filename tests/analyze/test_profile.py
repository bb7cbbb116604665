"""A dump as the one Profile type: renderers, ``profile show``/``diff``, the resemblance."""

from __future__ import annotations

import json
from pathlib import Path

from lsim.analyze.loader import is_profile_json, load_profile_or_dump
from lsim.analyze.profile import analysis_profile
from lsim.profile.diff import diff_profiles
from lsim.profile.model import Profile, save_profile
from lsim.profile.resemblance import resemblance
from lsim.render import RENDERER_NAMES, get_renderer
from lsim.render.diff import diff_dict, render_diff, render_diff_markdown
from tests.analyze.helpers import GLR, GOA, MUT, analyze, fixture
from tests.fixtures.profiles import small_profile


def test_profile_of_a_dump() -> None:
    p = analysis_profile(analyze("go1.27-mutex.txt", "go1.19-mutex.txt"))
    assert p.engine == "dump" and p.census_samples == 2 and p.threads == 16
    assert p.blocked_per_sample == [11, 11]
    assert p.blocked_by_operation() == {GOA: 6.0, GLR: 5.0}
    assert len(p.representative) == 16
    assert {t.lock for t in p.representative if t.state == "sync.Mutex.Lock"} == {MUT}
    assert p.stacks[GOA][-1][0].endswith("(*Service).GetOrAddGlobalRefID")
    assert p.regime == "unknown" and p.operations == [] and p.locks == []
    assert Profile.from_dict(json.loads(json.dumps(p.to_dict()))) == p


def test_every_renderer_reads_a_dump_profile() -> None:
    p = analysis_profile(analyze("go1.27-sharded.txt"))
    for name in RENDERER_NAMES:
        renderer = get_renderer(name)
        if renderer.applies_to(p):
            assert renderer.render(p)
    dump = get_renderer("goroutines").render(p)
    assert isinstance(dump, str) and "GetLocalRefID" in dump


def test_loader_tells_json_from_dumps(tmp_path: Path) -> None:
    saved = save_profile(small_profile("mutex"), tmp_path / "p.json")
    assert is_profile_json(saved)
    assert not is_profile_json(fixture("go1.27-sharded.txt.gz"))
    assert load_profile_or_dump(saved).engine == "threads"
    assert load_profile_or_dump(fixture("go1.27-sharded.txt.gz")).engine == "dump"


def test_resemblance_of_a_profile_with_itself_is_zero() -> None:
    p = analysis_profile(analyze("go1.27-mutex.txt"))
    r = resemblance(p, p)
    assert r is not None and r.distance == 0.0 and r.top() == []


def test_resemblance_matches_roles_and_counts_moved_goroutines() -> None:
    mutex = analysis_profile(analyze("go1.27-mutex.txt"))
    sharded = analysis_profile(analyze("go1.27-sharded.txt"))
    r = resemblance(mutex, sharded)
    assert r is not None
    # shard locks play the Service lock's role: the blocked cells line up; only the
    # goroutines outside/in the store differ (16 vs 19 goroutines, 1 vs 4 holders)
    blocked = [c for c in r.cells if c.state == "sync.Mutex.Lock"]
    assert {(c.operation, c.lock) for c in blocked} == {(GOA, MUT), (GLR, MUT)}
    assert 0.0 < r.distance < 0.3
    assert abs(r.distance - 0.5 * sum(abs(c.delta) for c in r.cells)) < 1e-12


def test_diff_of_a_dump_and_a_simulated_profile_has_the_score() -> None:
    real = load_profile_or_dump(fixture("go1.19-mutex.txt"))
    d = diff_profiles(real, small_profile("mutex"))
    assert d.resemblance is not None
    text = render_diff(d)
    assert "Resemblance: " in text and "cells that differ most" in text
    assert "Resemblance" in render_diff_markdown(d)
    data = diff_dict(d)
    assert 0 < data["resemblance"]["total_variation"] <= 1
