"""lsim's Go formats beside real Go output of a fresh run on this machine (issue 12).

One contended and one paced go-engine run give both sides: what the Go installed here wrote
in its census run (the ``debug=2`` dump, the goroutine profile's ``debug=1`` text, the
block, mutex and goroutine ``profile.proto``) and lsim's renderings of the same profile for
that release. The checks are those ``tests/render/test_real_go_fixtures.py`` runs on the
real output kept in-tree (Go 1.19, 1.25, 1.26), here on whatever Go the machine has;
skipped without Go.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lsim.engine.go import go_run_of, run_go
from lsim.profile.model import Profile
from lsim.render.gorelease import go119_mutex_delay_ns
from lsim.render.stacks import parse_go_version
from tests.engine.go.conftest import contended_spec, needs_go
from tests.render import realgo
from tests.render import test_real_go_fixtures as checks
from tests.workload.helpers import workload

pytestmark = needs_go

PACED: dict[str, Any] = {**contended_spec(100, 1.5), "pacing": {"think": "fixed", "think_s": 0.002}}


def _run(spec: dict[str, Any]) -> Profile:
    profile = run_go(go_run_of(workload(spec), "mutex", None, None, 2, 100.0))
    version = str(profile.machine["go_version"])
    why = f"{version}: lsim's table for Go 1.20-1.23 is not checked against those releases"
    if (1, 20) <= parse_go_version(version) < (1, 24):
        pytest.skip(reason=why)
    return profile


@pytest.fixture(scope="module")
def contended() -> Profile:
    return _run(contended_spec(100, 1.5))


@pytest.fixture(scope="module")
def paced() -> Profile:
    return _run(PACED)


# the same structural checks as on the kept real output (see that module for each one)
test_every_header_reads_and_wait_reasons_agree = (
    checks.test_every_header_reads_and_wait_reasons_agree
)
test_lock_waits_print_like_the_real_dump = checks.test_lock_waits_print_like_the_real_dump
test_one_running_goroutine_the_one_writing_the_dump = (
    checks.test_one_running_goroutine_the_one_writing_the_dump
)
test_a_scrape_loop_between_scrapes_waits_in_select = (
    checks.test_a_scrape_loop_between_scrapes_waits_in_select
)
test_debug1_prints_like_the_real_goroutine_profile = (
    checks.test_debug1_prints_like_the_real_goroutine_profile
)
test_goroutine_profile_keeps_the_runtime_frames = (
    checks.test_goroutine_profile_keeps_the_runtime_frames
)
test_contention_profiles_have_real_types_leaves_and_inlining = (
    checks.test_contention_profiles_have_real_types_leaves_and_inlining
)


def _twice(check: Callable[[Profile], None], first: Profile) -> None:
    """``check`` on the module's run, and on a fresh one if that run is out of band.

    Real Go's Go-1.19 mutex profile has two magnitudes on this contended run: lsim's
    prediction from the block waits read 1.0-1.3x the real one in 11 runs here and 10.1x in
    one (real 148 ms against the usual 1.2-1.5 s, the same block waits): a rarer convoy.
    An accounting or format bug misses on both runs; a rare convoy on one of them."""
    try:
        check(first)
    except AssertionError:
        check(_run(contended_spec(100, 1.5)))


def test_mutex_to_block_ratio_within_an_order_of_magnitude(contended: Profile) -> None:
    _twice(checks.test_mutex_to_block_ratio_within_an_order_of_magnitude, contended)


# Slow: a live dump is one moment, and how many panicparse buckets it makes varies run to
# run (it missed the 2x band twice on a loaded machine); the stored real dumps in
# tests/render/test_real_go_fixtures.py check the same thing in every default run.
@pytest.mark.slow
def test_panicparse_buckets_about_as_many(contended: Profile) -> None:
    checks.test_panicparse_buckets_about_as_many(contended)


def test_old_mutex_profile_magnitude_is_predicted_from_block_waits(contended: Profile) -> None:
    """lsim's pre-1.22 mutex accounting, applied to the block waits of a real run, lands
    within 10x of the mutex profile real Go measured in that run (issue 12)."""
    version = realgo.release_of(contended)
    why = f"Go {version} charges every queued waiter; the 1.19 rule does not apply"
    if parse_go_version(version) >= (1, 22):
        pytest.skip(reason=why)
    _twice(_old_mutex_profile_predicted, contended)


def _old_mutex_profile_predicted(contended: Profile) -> None:
    for lock in contended.locks:
        real = sum(ns for _, ns in lock.delay_by_unlocker.values())
        if lock.wait_total_ns < 10**9 or real <= 0:
            continue
        predicted = go119_mutex_delay_ns(lock.wait_total_ns, contended.duration_s)
        assert real / 10 <= predicted <= real * 10, (lock.name, predicted, real)
        assert lock.wait_total_ns / real > 10  # the block profile is far larger, as in Go
        break
    else:
        pytest.fail("no contended lock in the run")
