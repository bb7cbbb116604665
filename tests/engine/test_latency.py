"""Latency percentiles: HDR histograms with 3 significant digits, one builder for all engines."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lsim.engine.executor import ThreadRecorder
from lsim.engine.latency import (
    HDR,
    MODEL_LOG_BUCKETS,
    SIGNIFICANT_DIGITS,
    decode,
    histogram_of,
    log2_histogram,
    new_histogram,
    operation_report,
    quantize,
)
from lsim.sync.stats import histogram_bucket


@given(st.lists(st.integers(1, 10**12), min_size=1, max_size=200))
def test_quantized_counts_are_what_an_hdr_histogram_counts(values: list[int]) -> None:
    direct = new_histogram()
    counts: dict[int, int] = {}
    for v in values:
        direct.record_value(v)
        counts[quantize(v)] = counts.get(quantize(v), 0) + 1
    ours = histogram_of(counts)
    for q in (1, 50, 90, 99, 99.9, 100):
        assert ours.get_value_at_percentile(q) == direct.get_value_at_percentile(q)


@given(st.integers(1, 10**13))
def test_a_quantized_value_keeps_three_significant_digits(ns: int) -> None:
    q = quantize(ns)
    assert q <= ns and (ns - q) / ns < 10**-SIGNIFICANT_DIGITS


def test_the_worker_recorder_quantizes_as_hdr_does() -> None:
    rec = ThreadRecorder()
    values = [random.Random(7).randrange(1, 5_000_000) for _ in range(500)]
    for v in values:
        rec.record(3, v)
    expected: dict[int, int] = {}
    for v in values:
        expected[quantize(v)] = expected.get(quantize(v), 0) + 1
    assert rec.hist[3] == expected and rec.count[3] == 500 and rec.max_ns[3] == max(values)


def test_percentiles_are_within_a_tenth_of_a_percent() -> None:
    rng = random.Random(3)
    values = sorted(int(rng.lognormvariate(9, 1.2)) + 1 for _ in range(20_000))
    counts: dict[int, int] = {}
    for v in values:
        counts[quantize(v)] = counts.get(quantize(v), 0) + 1
    report = operation_report("GetLocalRefID", len(values), 2.0, values[-1], counts=counts)
    for got, q in ((report.p50_ns, 0.50), (report.p99_ns, 0.99)):
        exact = values[int(q * len(values)) - 1]
        assert abs(got - exact) / exact <= 0.0011, (q, got, exact)
    assert report.ops_per_s == 10_000
    assert report.latency_significant_digits == 3 and "3 significant digits" in (
        report.latency_precision
    )
    assert decode(report.latency_hdr).get_total_count() == len(values)
    # the coarse buckets older profiles had are still filled, from the same counts
    assert report.latency_histogram == log2_histogram(counts)
    assert sum(report.latency_histogram) == len(values)
    assert report.latency_histogram[histogram_bucket(values[0])] > 0


def test_a_percentile_never_exceeds_the_maximum() -> None:
    # HDR answers with the top of a bucket; 1,000,001 ns sits in a bucket 512 ns wide
    report = operation_report("Collect", 1, 1.0, 1_000_001, counts={quantize(1_000_001): 1})
    assert report.p50_ns == report.p99_ns == 1_000_001


def test_engines_with_their_own_histograms_state_their_precision() -> None:
    report = operation_report(
        "GetLocalRefID", 10, 1.0, 900, p50_ns=400, p99_ns=800, precision=MODEL_LOG_BUCKETS
    )
    assert (report.p50_ns, report.p99_ns, report.latency_hdr) == (400, 800, "")
    assert report.latency_precision == MODEL_LOG_BUCKETS.text
    assert report.latency_significant_digits == 0
    assert HDR.significant_digits == 3


def test_decode_refuses_damage_with_a_value_error() -> None:
    with pytest.raises(ValueError):
        decode("not base64 at all!")
