"""``-f go-dump``: the kept real dump, verbatim; other engines' profiles say they have none."""

from __future__ import annotations

import copy

import pytest

from lsim.errors import ConfigError, ProfileFormatError
from lsim.profile.kept_dump import KEY, kept_dump, pack_dump
from lsim.profile.model import Profile
from lsim.render import get_renderer

REAL = (
    "goroutine 1 [running]:\nmain.main()\n\t/src/main.go:10 +0x1d\n\n"
    "goroutine 7 [semacquire]:\nsync.runtime_SemacquireMutex(0xc0000a8004, 0x0, 0x1)\n"
    "\t/usr/lib/go-1.19/src/runtime/sema.go:77 +0x25\n"
)


def test_the_kept_dump_comes_back_verbatim(mutex_profile: Profile) -> None:
    p = copy.deepcopy(mutex_profile)
    p.engine = "go"
    p.integrations[KEY] = pack_dump(REAL)
    assert kept_dump(p) == REAL
    assert get_renderer("go-dump").render(p) == REAL


def test_profiles_without_a_real_dump_say_so(mutex_profile: Profile) -> None:
    renderer = get_renderer("go-dump")
    assert not renderer.applies_to(mutex_profile)
    with pytest.raises(ConfigError, match="only --engine go keeps one"):
        renderer.render(mutex_profile)


def test_a_damaged_kept_dump_is_a_profile_error(mutex_profile: Profile) -> None:
    p = copy.deepcopy(mutex_profile)
    p.integrations[KEY] = {"encoding": "gzip+base64", "data": "not base64 at all!"}
    with pytest.raises(ProfileFormatError, match="go_dump"):
        kept_dump(p)
