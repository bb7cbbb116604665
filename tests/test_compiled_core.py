"""The optional compiled model core (``LSIM_COMPILE=1 pip install .``).

A normal build is pure Python and ``lsim --version`` says so; a compiled build that cannot
find a compiler stops with one line; and (slow: it compiles) the compiled core gives the
pure core's results byte for byte, golden cells included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from build_support.compiled_core import (
    ENV_VAR,
    CompiledCoreUnavailable,
    build_tree,
    copy_tree,
    missing_toolchain,
    pip_wheel,
    wanted,
)
from lsim import __version__
from lsim.model_core import HOT_MODULES, model_core, source_path

ROOT = Path(__file__).resolve().parent.parent
# a small seeded model run; the same command on both cores
RUN = ["run", "--engine", "model", "--workload", str(ROOT / "workloads" / "closed-loop-mix.yaml"),
       "--goroutines", "500", "--sim-time", "20ms", "--seed", "3", "-f", "json"]  # fmt: skip
VOLATILE_TIMINGS = ("wall_s", "events_per_s")  # measure the host, not the model


def lsim(tree: Path, *args: str) -> str:
    """``python -m lsim ARGS`` with ``tree`` first on the import path; its stdout."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-m", "lsim", *args],
        env=env, capture_output=True, text=True, timeout=600, cwd=tree,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def without_wall_clock(report_json: str) -> str:
    """The JSON report minus what measures the host, as bytes to compare."""
    report = json.loads(report_json)
    for key in VOLATILE_TIMINGS:
        report["timings"].pop(key)
    return json.dumps(report, indent=2, sort_keys=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", False), ("0", False), ("no", False), ("1", True), ("true", True), (" YES ", True)],
)
def test_only_lsim_compile_asks_for_the_compiled_core(value: str, expected: bool) -> None:
    assert wanted({ENV_VAR: value}) is expected
    assert wanted({}) is False


def test_a_normal_build_is_pure_python(tmp_path: Path) -> None:
    tree = build_tree(tmp_path, compiled=False)
    wheel_info = next(tree.glob("lsim-*.dist-info")) / "WHEEL"
    assert "Tag: py3-none-any" in wheel_info.read_text()
    assert [p.name for p in tree.rglob("*") if p.name.endswith(tuple(EXTENSION_SUFFIXES))] == []
    assert model_core(tree / "lsim").kind == "pure Python"
    assert lsim(tree, "--version").splitlines() == [
        f"lsim {__version__}",
        "model core: pure Python",
    ]


def test_version_says_which_core_this_checkout_runs() -> None:
    lines = lsim(ROOT, "--version").splitlines()
    assert lines == [f"lsim {__version__}", model_core().describe()]


def _package(folder: Path, compiled: int) -> Path:
    """An lsim package folder whose first ``compiled`` hot modules have a compiled file."""
    package = folder / "lsim"
    for k, module in enumerate(HOT_MODULES):
        source = folder / source_path(module)
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text("")
        if k < compiled:
            source.with_name(source.stem + EXTENSION_SUFFIXES[0]).write_bytes(b"")
    return package


@pytest.mark.parametrize(
    ("compiled", "line"),
    [
        (0, "model core: pure Python"),
        (3, f"model core: partly compiled (mypyc: 3 of {len(HOT_MODULES)} modules)"),
        (len(HOT_MODULES), "model core: compiled (mypyc)"),
    ],
)
def test_the_core_is_what_the_import_system_would_load(
    tmp_path: Path, compiled: int, line: str
) -> None:
    core = model_core(_package(tmp_path, compiled))
    assert core.compiled == HOT_MODULES[:compiled]
    assert core.describe() == line


def test_a_source_edited_after_the_build_is_reported_stale(tmp_path: Path) -> None:
    package = _package(tmp_path, len(HOT_MODULES))
    assert model_core(package).stale == ()
    edited = tmp_path / source_path("lsim.engine.model.sched")
    later = edited.stat().st_mtime + 3600
    os.utime(edited, (later, later))
    core = model_core(package)
    assert core.stale == ("lsim.engine.model.sched",)
    assert "stale: sched.py edited since the build" in core.describe()


def test_a_compiled_build_without_a_compiler_stops_in_one_line(tmp_path: Path) -> None:
    done = pip_wheel(copy_tree(tmp_path), tmp_path / "wheels", compiled=True,
                     env={"CC": str(tmp_path / "no-such-cc")})  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "[1 lines of output]" in output, output
    (line,) = [x.strip() for x in output.splitlines() if x.strip().startswith("lsim: ")]
    assert line == str(CompiledCoreUnavailable(f"no C compiler was found ('{tmp_path}/no-such-cc'; "
                                               "e.g. apt-get install gcc)"))  # fmt: skip
    assert "unset LSIM_COMPILE" in line
    assert "Traceback" not in output


@pytest.mark.slow
def test_the_compiled_core_gives_the_pure_results_byte_for_byte(tmp_path: Path) -> None:
    missing = missing_toolchain()
    if missing is not None:
        pytest.skip(f"cannot build the compiled core here: {missing}")
    tree = build_tree(tmp_path, log=tmp_path / "build.log")
    assert model_core(tree / "lsim").kind == "compiled (mypyc)"
    assert lsim(tree, "--version").splitlines()[1] == "model core: compiled (mypyc)"
    assert without_wall_clock(lsim(tree, *RUN)) == without_wall_clock(lsim(ROOT, *RUN))
    # and every golden cell (tests/engine/model/golden.json) on the compiled core
    probe = (
        "import json, sys;"
        "from lsim.model_core import model_core;"
        "from tests.engine.model.golden import CELLS, GOLDEN, differences, run_cell;"
        "want = json.loads(GOLDEN.read_text());"
        "print(json.dumps([model_core().kind,"
        " {n: differences(want[n], run_cell(n))[:5] for n in sorted(CELLS)}]))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, timeout=900, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    kind, diffs = json.loads(done.stdout.strip().splitlines()[-1])
    assert kind == "compiled (mypyc)"
    assert {name: diff for name, diff in diffs.items() if diff} == {}
