"""``-f go-dump`` and ``go-pprof-*``: the kept real output, verbatim; other engines'
profiles say they have none."""

from __future__ import annotations

import copy

import pytest

from lsim.errors import ConfigError, ProfileFormatError
from lsim.profile.kept_dump import KEY, PPROF_KEY, kept_dump, pack_dump, pack_pprof
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


def test_the_kept_profiles_come_back_verbatim(mutex_profile: Profile) -> None:
    p = copy.deepcopy(mutex_profile)
    p.engine = "go"
    files = {"block": b"\x1f\x8bblock", "mutex": b"\x1f\x8bmutex", "goroutine_debug1": b"text"}
    p.integrations[PPROF_KEY] = pack_pprof(files)
    assert get_renderer("go-pprof-block").render(p) == files["block"]
    assert get_renderer("go-pprof-mutex").render(p) == files["mutex"]
    with pytest.raises(ConfigError, match="no real goroutine profile"):
        get_renderer("go-pprof-goroutine").render(p)  # not kept in this one
    assert not get_renderer("go-pprof-block").applies_to(mutex_profile)
    p.integrations[PPROF_KEY]["block"] = "not base64 at all!"
    with pytest.raises(ProfileFormatError, match="go_pprof.block"):
        get_renderer("go-pprof-block").render(p)
