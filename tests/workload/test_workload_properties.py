"""Property tests where inputs vary: mixes, formats, churn, determinism, round trips."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from lsim.limits import max_threads
from lsim.sync.states import LABELSTORE_BY_GO_NAME, Operation
from lsim.workload.labelfmt import compile_format
from lsim.workload.load import parse_workload, workload_to_dict
from lsim.workload.plan import operation_shares, thread_steps
from tests.workload.helpers import workload

OP_NAMES = sorted(LABELSTORE_BY_GO_NAME)
weights = st.dictionaries(
    st.sampled_from(OP_NAMES), st.floats(min_value=0, max_value=100), min_size=1
).filter(lambda d: any(v > 0 for v in d.values()))


@settings(max_examples=15, deadline=None)
@given(mix=weights, seed=st.integers(0, 2**32))
def test_mix_op_frequencies_track_the_weights(mix: dict[str, float], seed: int) -> None:
    w = workload({"seed": seed, "threads": {"count": 30}, "ops": {"mix": mix}})
    shares = operation_shares(w, sample_threads=30, steps=400)  # 12,000 draws: sd <= 0.005
    total = sum(mix.values())
    for name in OP_NAMES:
        assert abs(shares.get(name, 0.0) - mix.get(name, 0.0) / total) < 0.025, name


@settings(max_examples=25, deadline=None)
@given(
    mix=weights,
    batch=st.integers(1, 5),
    rate=st.sampled_from([0.0, 2.0]),
)
def test_mix_plans_have_batches_and_pacing(mix: dict[str, float], batch: int, rate: float) -> None:
    w = workload({"ops": {"mix": mix}, "pacing": {"batch_size": batch, "rate_per_thread": rate}})
    steps = list(itertools.islice(thread_steps(w, 3), 10 * (batch + 1)))
    if rate:
        assert all(s.is_think == ((i + 1) % (batch + 1) == 0) for i, s in enumerate(steps))
        assert {s.pace_period_s for s in steps if s.is_think} == {0.5}
    else:
        assert not any(s.is_think for s in steps)
    for s in steps:
        if s.op in (Operation.GET_LOCAL_REF_ID, Operation.ADD_LOCAL_LINK):
            assert 0 <= s.series < w.series.count and 0 <= s.component < len(w.components)


@given(
    i=st.integers(0, 10**12),
    n=st.integers(1, 10**6),
    b=st.integers(0, 10**6),
    d=st.integers(1, 1000),
)
def test_format_arithmetic(i: int, n: int, b: int, d: int) -> None:
    assert compile_format(f"x{{i%{n}+{b}}}y").render(i) == f"x{i % n + b}y"
    assert compile_format(f"{{i//{d}%{n}}}").render(i) == str(i // d % n)
    assert compile_format("{i}").render(i) == str(i)


@given(text=st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=40))
def test_text_without_braces_renders_to_itself(text: str) -> None:
    assert compile_format(text).render(123) == text


@given(
    choices=st.lists(st.text(alphabet="abcXYZ-_.", min_size=1, max_size=5), min_size=1, max_size=6),
    i=st.integers(0, 10**9),
)
def test_choice_placeholders(choices: list[str], i: int) -> None:
    assert compile_format("{i:" + "|".join(choices) + "}").render(i) == choices[i % len(choices)]


@settings(max_examples=30, deadline=None)
@given(
    fraction=st.floats(0, 1),
    spt=st.integers(1, 12),
    thread=st.integers(0, 30),
    cycles=st.integers(1, 6),
)
def test_burst_iteration_sees_the_same_series_as_the_steady_cycle(
    fraction: float, spt: int, thread: int, cycles: int
) -> None:
    """Churn has a closed form: burst iteration c and steady cycle c hold the same series."""
    data = {
        "threads": {"count": 31},
        "series": {"count": 400, "churn": {"fraction_per_cycle": fraction}},
        "ops": {"pipeline": {"series_per_thread": spt}},
    }
    steady = thread_steps(workload(data), thread)
    burst_w = workload({**data, "threads": {"count": 31, "mode": "burst"}})
    for c in range(cycles):
        batch = list(itertools.takewhile(lambda s: s.op is not Operation.TRACK_STALENESS, steady))
        series = [s.series for s in batch if s.op is Operation.GET_OR_ADD_GLOBAL_REF_ID]
        burst = [
            s.series
            for s in thread_steps(burst_w, thread, iteration=c)
            if s.op is Operation.GET_OR_ADD_GLOBAL_REF_ID
        ]
        assert series == burst and len(series) == spt and len(set(series)) == spt


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**40), thread=st.integers(0, 500), wal=st.floats(0, 1))
def test_same_seed_same_plan(seed: int, thread: int, wal: float) -> None:
    data = {
        "seed": seed,
        "ops": {"pipeline": {"series_select": "random", "wal_ref_change_probability": wal}},
        "pacing": {"think": "exponential", "think_s": 0.01},
    }
    a = list(itertools.islice(thread_steps(workload(data), thread), 300))
    b = list(itertools.islice(thread_steps(workload(data), thread), 300))
    assert a == b


@settings(max_examples=30, deadline=None)
@given(
    count=st.integers(1, 10**6),
    threads=st.integers(1, max_threads()),
    mode=st.sampled_from(["steady", "burst"]),
    comps=st.integers(1, 100),
    relabel=st.booleans(),
)
def test_round_trip(count: int, threads: int, mode: str, comps: int, relabel: bool) -> None:
    data = {
        "threads": {"count": threads, "mode": mode},
        "series": {"count": count, "prepopulated": count // 2},
        "components": comps,
        "ops": {"pipeline": {"relabel": relabel, "series_per_thread": min(count, 25)}},
    }
    w = parse_workload(data, "p.yaml")
    assert parse_workload(workload_to_dict(w), "p.yaml") == w
