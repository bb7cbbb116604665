"""``lsim stores [DESIGN]``: the list, one design's locking statement, a bad name."""

from __future__ import annotations

import pytest

from lsim.stores import STORE_NAMES
from lsim.stores.locking import LOCKING, cost_legend
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
    legend = cost_legend(design)
    assert lines[len(lines) - len(legend) :] == legend  # after the rows
    rows = len(lines) - 2 - len(legend)
    assert rows == sum(len(paths) for paths in LOCKING[design].values())


def test_the_legend_says_what_the_costs_terms_and_facts_are() -> None:
    legend = cost_legend("mutex")
    assert legend[0].startswith("model costs: H = hash_ns, M = map_hit_ns")
    assert any(line.startswith("Fs: ") for line in legend)  # a growing map's far access
    assert not any(line.startswith("probes: ") for line in legend)  # directfanout's only
    assert cost_legend("lockfree") == []  # its model is hand-written: no stated costs


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
