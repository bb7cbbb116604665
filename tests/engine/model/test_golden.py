"""The model's results do not change when it gets faster: each golden cell's profile is
compared field by field with the one recorded in ``golden.json`` (see ``golden.py``)."""

from __future__ import annotations

import json

import pytest

from tests.engine.model.golden import CELLS, GOLDEN, differences, run_cell

_WANT = json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("name", sorted(CELLS))
def test_golden_cell_profile_is_unchanged(name: str) -> None:
    got = run_cell(name)
    diff = differences(_WANT[name], got)
    assert not diff, f"{name}: the model's results changed:\n" + "\n".join(diff[:20])
