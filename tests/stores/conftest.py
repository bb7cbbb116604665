"""Fixtures for the store tests: every design (sharded at several shard counts) and a clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lsim.stores import LabelStore, create_store
from tests.stores.helpers import DESIGNS, FakeClock, design_id

StoreFactory = Callable[..., LabelStore]


@pytest.fixture(params=DESIGNS, ids=design_id)
def design(request: pytest.FixtureRequest) -> tuple[str, int | None]:
    value: tuple[str, int | None] = request.param
    return value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_store(design: tuple[str, int | None], clock: FakeClock) -> StoreFactory:
    """Builds a store of the current design; keyword options go to ``create_store``."""
    name, shards = design

    def make(**options: Any) -> LabelStore:
        options.setdefault("clock", clock)
        return create_store(name, shards=shards, **options)

    return make


@pytest.fixture
def store(make_store: StoreFactory) -> LabelStore:
    return make_store()
