"""``pacing.offered``: the forms it accepts, the errors it gives, and its round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsim.errors import ConfigError
from lsim.stores import STORE_NAMES
from lsim.workload.load import builtin_workload, parse_workload, workload_to_dict
from lsim.workload.offered import MAX_FACTOR, OfferedLoad, parse_offered
from lsim.workload.shares import calls_per_batch
from tests.workload.helpers import workload

PLAIN_DESIGNS = [d for d in STORE_NAMES if d != "sharded"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.6x mutex", OfferedLoad(factor=1.6, design="mutex")),
        ("1.6 x mutex", OfferedLoad(factor=1.6, design="mutex")),
        ("2×rwmutex", OfferedLoad(factor=2.0, design="rwmutex")),
        ("0.5x sharded-64", OfferedLoad(factor=0.5, design="sharded", shards=64)),
        (41000, OfferedLoad(ops_per_s=41000.0)),
        (2.5e4, OfferedLoad(ops_per_s=25000.0)),
        ("41000 ops/s", OfferedLoad(ops_per_s=41000.0)),
    ],
)
def test_the_forms_it_reads(text: object, expected: OfferedLoad) -> None:
    assert parse_offered(text) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1.6x mutx", "unknown design 'mutx'"),
        ("fast", "must be one of '<factor>x <design>'"),
        ("0x mutex", "factor must be > 0"),
        ("2000x mutex", f"<= {MAX_FACTOR:g}"),
        ("1.6x sharded", "say how many shards"),
        ("1.6x sharded-300", "sharded-N needs 1 <= N <= 256"),
        (True, "must be one of"),
        ([1], "must be one of"),
        (-5, "calls per second must be > 0"),
        (float("nan"), "calls per second must be > 0"),
    ],
)
def test_mistakes_name_the_field_and_the_forms(value: object, words: str) -> None:
    with pytest.raises(ConfigError) as error:
        workload({"pacing": {"offered": value}}, source="w.yaml")
    message = str(error.value)
    assert message.startswith("w.yaml: pacing.offered: "), message
    assert words in message


def test_offered_with_think_time_is_refused() -> None:
    with pytest.raises(ConfigError, match="pacing.think: use either think or offered"):
        workload({"pacing": {"offered": "1x mutex", "think": "fixed", "think_s": 1.0}})


def test_offered_is_not_a_closed_loop_and_burst_mode_refuses_it() -> None:
    assert not workload({"pacing": {"offered": "1x mutex"}}).pacing.closed_loop
    with pytest.raises(ConfigError, match="pacing: burst mode"):
        workload({"threads": {"mode": "burst"}, "pacing": {"offered": "1x mutex"}})


def test_the_builtin_default_states_its_load_relative_to_mutex() -> None:
    pacing = builtin_workload().pacing
    assert pacing.offered == OfferedLoad(factor=1.6, design="mutex")
    assert pacing.rate_per_thread == 0.5  # what --no-calibrate and the other engines run


def test_calls_per_batch_counts_a_scrape() -> None:
    # 25 samples x (GetOrAdd + GetLocal) + one TrackStaleness; thread 0's first-cycle Adds
    # and the like are not in it
    assert calls_per_batch(builtin_workload()) == pytest.approx(51, abs=0.1)
    mix = workload({"ops": {"mix": {"GetLocalRefID": 1}}, "pacing": {"batch_size": 7}})
    assert calls_per_batch(mix) == pytest.approx(7)


@settings(max_examples=60)
@given(
    factor=st.floats(min_value=0.001, max_value=MAX_FACTOR, allow_nan=False),
    design=st.sampled_from([*PLAIN_DESIGNS, "sharded-1", "sharded-64", "sharded-256"]),
)
def test_relative_loads_round_trip_through_the_file(factor: float, design: str) -> None:
    factor = float(f"{factor:g}")  # what the YAML text keeps
    w = workload({"pacing": {"offered": f"{factor:g}x {design}", "rate_per_thread": 1.0}})
    again = parse_workload(workload_to_dict(w), "again.yaml")
    assert again.pacing == w.pacing
    assert w.pacing.offered is not None and w.pacing.offered.design_label == design


@settings(max_examples=200)
@given(value=st.one_of(st.text(max_size=30), st.floats(), st.integers(), st.none()))
def test_any_value_is_an_offered_load_or_one_located_error(value: object) -> None:
    try:
        w = workload({"pacing": {"offered": value}}, source="w.yaml")
    except ConfigError as error:
        assert str(error).startswith("w.yaml: pacing.offered: ") or "pacing" in str(error)
    else:
        assert value is None or w.pacing.offered is not None
