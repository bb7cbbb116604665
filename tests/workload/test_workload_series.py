"""Label sets: the Alloy benchmark template exactly, custom formats, caching across threads."""

from __future__ import annotations

import threading

import pytest

from lsim.labels import Labels
from lsim.workload.labelfmt import compile_format
from lsim.workload.model import SeriesSpec, TemplateSpec
from lsim.workload.series import SeriesSet


def alloy_labels(i: int) -> Labels:
    """The Go benchmark's label set i, written out the way service_test.go builds it."""
    return Labels.from_strings(
        "__name__",
        "http_requests_total",
        "job",
        "api-server-" + str(i),
        "instance",
        "10.0.0." + str(i % 256),
        "path",
        "/api/v1/query_" + str(i % 100),
        "method",
        ["GET", "POST", "PUT", "DELETE"][i % 4],
        "status",
        str(200 + i % 100),
    )


@pytest.mark.parametrize("i", [0, 1, 3, 99, 100, 255, 256, 4_999, 9_999, 10_000, 123_456_789])
def test_alloy_benchmark_template_is_exact(i: int) -> None:
    series = SeriesSet(SeriesSpec(count=10_000))
    assert series.labels(i) == alloy_labels(i)
    assert len(series.labels(i)) == 6


def test_alloy_benchmark_label_sets_are_distinct() -> None:
    series = SeriesSet(SeriesSpec(count=10_000))
    assert len({series.labels(i) for i in range(10_000)}) == 10_000
    assert len(series) == 10_000


def test_custom_template() -> None:
    spec = SeriesSpec(
        count=1000,
        template=TemplateSpec(
            name="custom",
            labels=(("__name__", "m_{i%25}"), ("instance", "t-{i//25}:9100"), ("lit", "{{x}}")),
        ),
    )
    assert SeriesSet(spec).values(53) == {"__name__": "m_3", "instance": "t-2:9100", "lit": "{x}"}


@pytest.mark.parametrize(
    ("fmt", "i", "expected"),
    [
        ("{i}", 42, "42"),
        ("a{i%10}b", 42, "a2b"),
        ("{i%100+200}", 1234, "234"),
        ("{i+5}", 1, "6"),
        ("{i//10%3}", 57, "2"),
        ("{i%4:GET|POST|PUT|DELETE}", 6, "PUT"),
        ("{i:x|y}", 3, "y"),
        ("plain", 7, "plain"),
        ("{{i}}", 7, "{i}"),
    ],
)
def test_format_grammar(fmt: str, i: int, expected: str) -> None:
    assert compile_format(fmt).render(i) == expected


@pytest.mark.parametrize("bad", ["{j}", "{i*2}", "{", "}", "{i%}", "{i//0}", "{__import__('os')}"])
def test_format_rejects_anything_else(bad: str) -> None:
    with pytest.raises(ValueError):
        compile_format(bad)


def test_labels_are_cached_and_shared_between_threads() -> None:
    series = SeriesSet(SeriesSpec(count=500))
    results: list[list[Labels]] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        results.append([series.labels(i) for i in range(500)])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == results[0] for r in results)
    assert series.labels(7) is series.labels(7)


def test_churned_indices_beyond_count_are_built_and_bounded() -> None:
    series = SeriesSet(SeriesSpec(count=10))
    assert series.labels(1_000_012).get("job") == "api-server-1000012"
    with pytest.raises(IndexError):
        series.labels(-1)
