"""``lsim stores [DESIGN]``: the list, one design's locking statement, a bad name."""

from __future__ import annotations

import pytest

from lsim.stores import STORE_NAMES
from lsim.stores.locking import LOCKING
from tests.cli.test_run_cli import run_cli


def test_the_list_names_every_design(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["stores"], capsys)
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[1:]] == list(STORE_NAMES)


@pytest.mark.parametrize("design", STORE_NAMES)
def test_a_design_prints_one_row_per_stated_path(
    design: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["stores", design], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"{design}: ") and lines[1].startswith("operation")
    assert len(lines) - 2 == sum(len(paths) for paths in LOCKING[design].values())


def test_finegrained_shows_the_miss_taking_both_sides(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(["stores", "finegrained"], capsys)
    miss = next(
        line for line in out.splitlines() if line.split()[:2] == ["GetOrAddGlobalRefID", "miss"]
    )
    assert "Service.globalMut R > Service.globalMut W" in miss


def test_an_unknown_design_is_one_line_naming_the_designs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(["stores", "bogus"], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "unknown design 'bogus'" in err and "mutex" in err
