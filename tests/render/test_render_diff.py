"""The text table of a profile diff."""

from __future__ import annotations

from collections.abc import Callable

from lsim.profile.diff import diff_profiles
from lsim.render.diff import render_diff
from tests.fixtures.profiles import small_profile


def test_diff_golden(golden: Callable[[str, str], None]) -> None:
    text = render_diff(diff_profiles(small_profile("mutex"), small_profile("sharded")))
    golden("diff-mutex-sharded.txt", text)


def test_diff_text_content() -> None:
    text = render_diff(diff_profiles(small_profile("mutex"), small_profile("rwmutex")))
    assert "before: mutex (threads" in text and "after:  rwmutex (threads" in text
    lines = text.splitlines()
    total = next(line for line in lines if line.strip().startswith("Total blocked"))
    assert total.split()[-3:] == ["9.3", "8.8", "-5.38%"]
    read = next(line for line in lines if " read " in line)
    assert "0 -> 1" in read and " new " in f"{read} "
    throughput = next(line for line in lines if line.strip().startswith("total"))
    assert throughput.split()[-1] == "0.90x"


def test_diff_markdown_has_the_same_tables() -> None:
    from lsim.render.diff import render_diff_markdown

    md = render_diff_markdown(diff_profiles(small_profile("mutex"), small_profile("sharded")))
    assert md.startswith("**before:** mutex")
    assert "| operation | before | after | delta |" in md
    assert "|---|---:|---:|---:|" in md
    assert "| Total blocked | 9.3 | 2.6 | -72.04% |" in md
    assert "- regime changed: saturated -> below-saturation" in md


def test_diff_json_lists_every_operation() -> None:
    from lsim.profile.report import STORE_OPERATIONS
    from lsim.render.diff import diff_dict

    data = diff_dict(diff_profiles(small_profile("mutex"), small_profile("sharded")))
    assert list(data["operations"])[: len(STORE_OPERATIONS)] == list(STORE_OPERATIONS)
    collect = data["operations"]["Collect"]
    assert collect["blocked"] == {
        "before": 0.0,
        "after": 0.0,
        "delta": 0.0,
        "ratio": None,
        "percent": None,
    }
    assert collect["ops_per_s"]["before"] == 0.0
    assert data["throughput"]["ratio"] == 71_760 / 29_900
    assert data["locks"][0]["locks_after"] == 4
