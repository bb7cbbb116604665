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
