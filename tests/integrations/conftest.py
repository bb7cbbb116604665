"""Fixtures for the integration tests."""

from __future__ import annotations

import pytest

from tests.integrations.helpers import ptrace_refusal


@pytest.fixture
def needs_ptrace() -> None:
    """Skip, saying why, where py-spy may not attach (no root / CAP_SYS_PTRACE, Yama)."""
    reason = ptrace_refusal()
    if reason is not None:
        pytest.skip(reason=f"py-spy cannot attach on this machine: {reason}")
