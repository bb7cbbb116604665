"""The run report's constants agree with the Go names lsim uses everywhere else."""

from __future__ import annotations

from lsim.profile.report import (
    CENSUS_STATES,
    FANOUT_OPERATIONS,
    STORE_OPERATIONS,
    operation_names,
)
from lsim.sync.states import OPERATION_BY_GO_NAME, GoState
from tests.fixtures.profiles import small_profile


def test_store_operations_are_the_operation_enum() -> None:
    assert tuple(OPERATION_BY_GO_NAME) == STORE_OPERATIONS + FANOUT_OPERATIONS


def test_census_states_are_the_go_states() -> None:
    assert set(CENSUS_STATES) == {s.go_name for s in GoState if s is not GoState.IDLE}


def test_operation_names_add_an_engine_extra_and_never_the_empty_name() -> None:
    profile = small_profile("mutex")
    profile.operations[0].operation = "SomethingNew"
    names = operation_names(profile)
    assert names[: len(STORE_OPERATIONS)] == list(STORE_OPERATIONS)
    assert names[-1] == "SomethingNew" and "" not in names
