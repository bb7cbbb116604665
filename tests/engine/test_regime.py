"""One rule of evidence for the regime, whatever engine measured it (``lsim.engine.regime``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lsim.engine.record import LockUse, ProcessorUse, RegimeEvidence
from lsim.engine.regime import BELOW, BURST, CLOSED_LOOP, SATURATED, decide

CALM = ProcessorUse(0.3, "the Ps were busy 30%", "Ps busy 30%")
BUSY = ProcessorUse(0.95, "the Ps were busy 95%", "Ps busy 95%")


def test_below_saturation_names_lock_processors_then_pacing() -> None:
    e = RegimeEvidence(CALM, LockUse("mu", 0.42), pace_steps=200, pace_late=10)
    assert decide(e) == (BELOW, "busiest lock mu held 42%, Ps busy 30%, 5% of paced batches late")
    assert decide(RegimeEvidence(CALM)) == (BELOW, "Ps busy 30%")


def test_each_sign_of_saturation_is_given_in_order() -> None:
    e = RegimeEvidence(BUSY, LockUse("mu", 0.97), pace_steps=10, pace_late=5, closed_loop=True)
    name, reason = decide(e)
    assert name == SATURATED
    assert reason.split("; ") == [
        "mu held 97% of the time",
        "50% of paced batches started late",
        "the Ps were busy 95%",
        CLOSED_LOOP,
    ]


def test_a_shared_lock_held_all_the_time_is_not_saturation() -> None:
    e = RegimeEvidence(CALM, LockUse("rw", 0.99, exclusive=False))
    assert decide(e) == (BELOW, "busiest lock rw held 99%, Ps busy 30%")


def test_burst_is_saturated_and_names_its_bound_or_its_signs() -> None:
    bounds = [(0.2, "spawning 20%"), (0.7, "mu held 70%"), (0.5, "Ps 50%")]
    e = RegimeEvidence(CALM, burst=True, burst_bounds=bounds, closed_loop=True)
    assert decide(e) == (SATURATED, f"{BURST}; bound by mu held 70%")
    assert decide(RegimeEvidence(BUSY, burst=True)) == (SATURATED, f"{BURST}; the Ps were busy 95%")
    assert decide(RegimeEvidence(CALM, burst=True)) == (SATURATED, BURST)


@given(
    lock=st.floats(0, 2),
    cpu=st.floats(0, 2),
    steps=st.integers(0, 1000),
    late=st.integers(0, 1000),
    closed=st.booleans(),
)
def test_saturated_exactly_when_some_sign_passes_its_threshold(
    lock: float, cpu: float, steps: int, late: int, closed: bool
) -> None:
    late = min(late, steps)
    e = RegimeEvidence(ProcessorUse(cpu, "busy", "calm"), LockUse("mu", lock), steps, late, closed)
    signs = lock >= 0.9 or cpu >= 0.9 or (steps > 0 and late / steps >= 0.1) or closed
    assert (decide(e)[0] == SATURATED) == signs
