"""Per-operation latency statistics: one builder of :class:`OperationReport` for every engine.

The threads engine records every call's latency into HDR histograms (the ``hdrhistogram``
package, 3 significant digits: a percentile is within 0.1% of the true value), where it used
to keep power-of-two buckets and print a bucket's upper bound as the value (a p50 of 1.6 ms
printed as 2.05 ms). Recording goes through :func:`quantize`, which maps a value onto the
lowest value of its HDR bucket with two integer operations, so each worker keeps a small
``{value: count}`` dict instead of a histogram object on its hot path; the report builds one
``HdrHistogram`` per operation from the merged dicts.

The other engines measure elsewhere (the model in virtual time with its own log buckets,
real Go in the Go program) and pass their percentiles with the precision they have; every
report says which (``OperationReport.latency_precision``, the JSON's
``throughput.latency_precision``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lsim.profile.model import OperationReport
from lsim.sync.stats import HISTOGRAM_BUCKETS, histogram_bucket

SIGNIFICANT_DIGITS = 3
LOWEST_NS = 1
HIGHEST_NS = 24 * 3600 * 10**9  # one day: any latency a run can see
# HdrHistogram(1, ..., 3) has 2,048 sub-buckets: values below 2,048 are exact, above a value
# of bit length b is counted in steps of 2 ** (b - 11).
SUB_BUCKET_BITS = 11


@dataclass(frozen=True)
class Precision:
    """How exact an engine's latency percentiles are (the report states it)."""

    text: str
    significant_digits: int = 0  # 0: not a fixed number of significant digits


HDR = Precision(
    f"HdrHistogram, {SIGNIFICANT_DIGITS} significant digits (within 0.1%)", SIGNIFICANT_DIGITS
)


# The other engines' own histograms (lsim/engine/model/stats.py; the Go program's
# executor/hist.go, which states its precision in its result as well).
MODEL_LOG_BUCKETS = Precision("log buckets in virtual time, 16 per octave (within ~3%)")
GO_LOG_LINEAR = Precision("the Go program's log-linear histogram (within 1/64)")


def quantize(ns: int) -> int:
    """The lowest value of the HDR bucket that counts ``ns`` (``ns`` itself below 2,048)."""
    shift = ns.bit_length() - SUB_BUCKET_BITS
    return ns if shift <= 0 else (ns >> shift) << shift


def new_histogram() -> Any:
    from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]

    return HdrHistogram(LOWEST_NS, HIGHEST_NS, SIGNIFICANT_DIGITS)


def histogram_of(counts: Mapping[int, int]) -> Any:
    """An ``HdrHistogram`` holding ``counts`` ({quantized ns: calls})."""
    hist = new_histogram()
    for value, n in counts.items():
        hist.record_value(min(max(value, LOWEST_NS), HIGHEST_NS), n)
    return hist


def merge_counts(parts: Iterable[Mapping[int, int] | None]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for part in parts:
        if part:
            for value, n in part.items():
                merged[value] = merged.get(value, 0) + n
    return merged


def encode(hist: Any) -> str:
    """The histogram in HdrHistogram's compressed base64 form (any HDR library decodes it)."""
    data = hist.encode()
    return data.decode("ascii") if isinstance(data, bytes) else str(data)


def decode(text: str) -> Any:
    from hdrh.histogram import HdrHistogram

    base64.b64decode(text, validate=True)  # a clear ValueError for damage, before hdrh
    return HdrHistogram.decode(text)


def log2_histogram(counts: Mapping[int, int]) -> list[int]:
    """lsim's older coarse buckets (bucket i: < 2**i us), kept in the profile for scripts."""
    out = [0] * HISTOGRAM_BUCKETS
    for value, n in counts.items():
        out[histogram_bucket(value)] += n
    return out


def operation_report(
    operation: str,
    count: int,
    window_s: float,
    max_ns: int,
    *,
    counts: Mapping[int, int] | None = None,
    p50_ns: int = 0,
    p99_ns: int = 0,
    histogram: list[int] | None = None,
    precision: Precision = HDR,
) -> OperationReport:
    """One operation's report. With ``counts`` (quantized latencies) the percentiles come
    from an HDR histogram of them; otherwise the engine's own ``p50_ns``/``p99_ns``."""
    encoded = ""
    if counts:
        hist = histogram_of(counts)
        # HDR answers with the highest value its bucket stands for: never above the maximum
        p50_ns = min(max_ns, int(hist.get_value_at_percentile(50.0)))
        p99_ns = min(max_ns, int(hist.get_value_at_percentile(99.0)))
        histogram = log2_histogram(counts)
        encoded = encode(hist)
    return OperationReport(
        operation=operation,
        count=count,
        ops_per_s=count / window_s if window_s else 0.0,
        p50_ns=p50_ns,
        p99_ns=p99_ns,
        max_ns=max_ns,
        latency_histogram=list(histogram or []),
        latency_precision=precision.text,
        latency_significant_digits=precision.significant_digits,
        latency_hdr=encoded,
    )


def by_count(reports: Iterable[OperationReport]) -> list[OperationReport]:
    """Busiest operation first, as every report lists them."""
    return sorted(reports, key=lambda r: -r.count)
