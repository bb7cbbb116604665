"""The summary renderer: golden files plus the reference dump's shape."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from rich.console import Console

from lsim.profile.model import Profile
from lsim.render.summary import SummaryRenderer, summary_rich
from tests.fixtures.profiles import small_profile


@pytest.mark.parametrize("store", ["mutex", "sharded", "rwmutex"])
def test_summary_golden(store: str, golden: Callable[[str, str], None]) -> None:
    golden(f"summary-{store}.txt", SummaryRenderer().render(small_profile(store)))


def test_blocked_block_has_the_reference_shape(mutex_profile: Profile) -> None:
    text = SummaryRenderer().render(mutex_profile)
    lines = text.splitlines()
    start = lines.index("12 threads; blocked on labelstore locks:")
    block = lines[start + 1 : start + 5]
    pattern = re.compile(r"^  (\w[\w ]*:)\s+([\d,.]+) threads \((\d+\.\d\d)%\)$")
    parsed = [pattern.match(line) for line in block]
    assert all(parsed), block
    assert [m.group(1) for m in parsed if m] == [
        "GetOrAddGlobalRefID:",
        "GetLocalRefID:",
        "TrackStaleness:",
        "Total blocked:",
    ]
    # numbers line up in one column, like the reference dump
    assert len({m.end(2) for m in parsed if m}) == 1
    # means over census samples: 48 / 10 samples of 12 threads
    assert block[0].endswith("4.8 threads (40.00%)")
    assert block[3].endswith("9.3 threads (77.50%)")


def test_distribution_throughput_locks_and_reproduce(mutex_profile: Profile) -> None:
    text = SummaryRenderer().render(mutex_profile)
    assert "blocked per sample p10/p50/p90: 0 / 10 / 12" in text
    assert "all-or-nothing" in text  # p10=0 and p90=12 of 12 threads
    assert "Throughput: 29,900 ops/s (59,800 ops in 2.00 s)" in text
    assert re.search(r"labelstore\.Service\.mut\s+write\s+59,800\s+63\.88%", text)
    assert "1 thread never ran" in text
    assert "Regime: saturated" in text
    assert text.rstrip().endswith(
        "Reproduce: lsim profile --store mutex --threads 12 --seed 7  (seed 7)"
    )


def test_sharded_locks_are_grouped_with_skew_line() -> None:
    text = SummaryRenderer().render(small_profile("sharded"))
    assert "labelstore.shard[*].mut (x4)" in text
    assert "busiest of 4: labelstore.shard[3].mut" in text


def test_whole_threads_for_large_runs(mutex_profile: Profile) -> None:
    for cell in mutex_profile.census:
        cell.thread_samples *= 200
    mutex_profile.threads *= 200
    text = SummaryRenderer().render(mutex_profile)
    assert "  GetOrAddGlobalRefID:   960 threads (40.00%)" in text
    assert "  Total blocked:       1,860 threads (77.50%)" in text


def test_rich_summary_has_the_same_content(mutex_profile: Profile) -> None:
    console = Console(record=True, width=140, color_system=None)
    console.print(summary_rich(mutex_profile))
    out = console.export_text()
    for needle in (
        "Total blocked:",
        "GetOrAddGlobalRefID",
        "labelstore.Service.mut",
        "Throughput: 29,900 ops/s",
        "Reproduce:",
    ):
        assert needle in out


def test_rare_operations_keep_their_rate(mutex_profile: Profile) -> None:
    mutex_profile.operations[-1].ops_per_s = 0.5
    line = next(
        line
        for line in SummaryRenderer().render(mutex_profile).splitlines()
        if line.strip().startswith("TrackStaleness")
    )
    assert line.split()[1] == "0.5"
