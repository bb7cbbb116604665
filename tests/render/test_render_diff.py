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
