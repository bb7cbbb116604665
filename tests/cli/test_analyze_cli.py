"""``lsim analyze`` and ``lsim fit`` from the command line (CliRunner, no subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lsim.cli.app import _register_commands, app
from tests.analyze.helpers import fixture

_register_commands()
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        from lsim.errors import LsimError

        if isinstance(result.exception, LsimError):
            return 2, str(result.exception)
        raise result.exception
    return result.exit_code, result.output


def test_analyze_prints_the_table() -> None:
    code, out = run("analyze", str(fixture("go1.27-mutex.txt")))
    assert code == 0
    assert "GetOrAddGlobalRefID:" in out and "labelstore.Service.mut" in out
    assert "Total blocked:" in out and "68.75%" in out
    assert "outside the store" in out


def test_analyze_several_dumps_gives_percentiles() -> None:
    code, out = run(
        "analyze", str(fixture("go1.19-mutex.txt")), str(fixture("go1.27-sharded.txt.gz"))
    )
    assert code == 0 and "p10/p50/p90" in out


def test_analyze_formats(tmp_path: Path) -> None:
    code, out = run("analyze", str(fixture("go1.27-sharded.txt")), "-f", "json")
    data = json.loads(out)
    assert data["dumps"][0]["blocked"] == 11 and data["store_found"]
    out_file = tmp_path / "p.json"
    code, _ = run(
        "analyze", str(fixture("go1.27-sharded.txt")), "-f", "profile", "-o", str(out_file)
    )
    assert code == 0 and json.loads(out_file.read_text())["engine"] == "dump"
    code, out = run("analyze", str(fixture("go1.27-sharded.txt")), "-f", "markdown")
    assert "| **Total blocked** |" in out


def test_analyze_no_store_frames_says_so(tmp_path: Path) -> None:
    code, out = run("analyze", str(fixture("go1.27-mutex.txt")), "--store-method", r"nothing\.here")
    assert code == 0 and "no goroutine is in a store frame" in out


@pytest.mark.parametrize("content", ["hello world\n", "{}\n"])
def test_analyze_not_a_dump_is_one_line_exit_2(tmp_path: Path, content: str) -> None:
    path = tmp_path / "x.txt"
    path.write_text(content)
    code, message = run("analyze", str(path))
    assert code == 2 and "not a goroutine dump" in message and "\n" not in message.strip()


def test_profile_diff_and_show_take_a_dump(tmp_path: Path) -> None:
    from lsim.profile.model import save_profile
    from tests.fixtures.profiles import small_profile

    sim = save_profile(small_profile("mutex"), tmp_path / "sim.json")
    code, out = run("profile", "diff", str(fixture("go1.19-mutex.txt")), str(sim))
    assert code == 0 and "Resemblance:" in out
    code, out = run("profile", "show", str(fixture("go1.19-mutex.txt")), "-f", "goroutines1")
    # the dump's 16 goroutines and the one writing the profile
    assert code == 0 and out.startswith("goroutine profile: total 17")


def test_fit_from_numbers_small(tmp_path: Path) -> None:
    out_file = tmp_path / "fitted.yaml"
    code, out = run(
        "fit", "--goroutines", "400", "--blocked", "GetOrAddGlobalRefID=180,GetLocalRefID=160",
        "--gomaxprocs", "2", "--designs", "none", "-o", str(out_file), "-q",
    )  # fmt: skip
    assert code == 0, out
    assert "fit quality" in out
    from lsim.workload.load import load_workload

    w = load_workload(out_file)
    assert w.model.goroutines == 400 and w.pacing.think == "exponential"


def test_fit_bad_input() -> None:
    code, message = run("fit", "--goroutines", "10", "--blocked", "Nope=3")
    assert code == 2 and "labelstore" in message
    code, message = run("fit", "--goroutines", "10", "--blocked", "GetLocalRefID=30")
    assert code == 2 and "more than" in message
    code, message = run("fit")
    assert code == 2
