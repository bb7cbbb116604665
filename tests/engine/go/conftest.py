"""Shared fixtures of the go-engine tests: the built program (skipped without Go)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsim.engine.go.toolchain import find_go

NO_GO = "the go engine needs a Go toolchain (go >= 1.19) on PATH; .ci/run installs golang-go"
needs_go = pytest.mark.skipif(find_go() is None, reason=NO_GO)


@pytest.fixture(scope="session")
def lsimgo() -> Path:
    """The go engine's program, built once per test session (cached across sessions)."""
    if find_go() is None:
        pytest.skip(reason=NO_GO)
    from lsim.engine.go.toolchain import program

    binary, _chain, _built = program()
    return binary


def contended_spec(goroutines: int, duration_s: float) -> dict[str, object]:
    """A closed loop on one mutex whose contention does not hang on a convoy forming.

    The dump's mix alone (48/44/8 GetOrAddGlobalRefID/GetLocalRefID/AddLocalLink) is
    bistable on real Go at GOMAXPROCS 2: a convoy forms in some runs and not others (blocked
    share 0.02 in one CI run, 0.95 in another). A TrackStaleness call sending 200 stale
    markers holds the lock for tens of microseconds, so whoever runs on the other P while it
    is held parks on the semaphore: 0.93-0.97 blocked in 7 runs of 100 and 200 goroutines
    here, 0.79-0.80 with a busy loop on one core, Little's law 0.96-1.04.
    """
    return {
        "threads": {"count": goroutines},
        "series": {"count": 2000, "prepopulated": 2000},
        "run": {"duration_s": duration_s, "warmup_s": 0.3},
        "ops": {
            "mix": {"GetOrAddGlobalRefID": 48, "GetLocalRefID": 44, "TrackStaleness": 8},
            "draw": {"stale_per_call": 200},
        },
    }
