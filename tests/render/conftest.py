"""Shared test helpers for renderer tests: the fixture profiles and golden-file checks.

Golden files live in ``tests/render/golden/``. After an intended output change, regenerate
them and review the diff::

    LSIM_UPDATE_GOLDEN=1 /work/venv/bin/pytest tests/render -q
    git diff tests/render/golden
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# The repository root must be importable for ``tests.fixtures`` (pytest's default
# "prepend" import mode only adds this directory). Drop this once pyproject.toml sets
# ``[tool.pytest.ini_options] pythonpath = ["."]``.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from lsim.profile.model import Profile  # noqa: E402
from tests.fixtures.profiles import small_profile  # noqa: E402

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE = os.environ.get("LSIM_UPDATE_GOLDEN") == "1"


@pytest.fixture(params=["mutex", "sharded", "rwmutex"])
def any_profile(request: pytest.FixtureRequest) -> Profile:
    return small_profile(request.param)


@pytest.fixture
def mutex_profile() -> Profile:
    return small_profile("mutex")


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """``golden(name, text)``: compare with ``golden/name`` (or rewrite it when updating)."""

    def check(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        if UPDATE:
            path.write_text(text, encoding="utf-8", newline="")
            return
        if not path.exists():
            pytest.fail(f"no golden file {path}; create it with LSIM_UPDATE_GOLDEN=1")
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (
            f"output differs from {path.name}; if intended, regenerate with "
            "LSIM_UPDATE_GOLDEN=1 and review the diff"
        )

    return check
