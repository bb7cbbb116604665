"""Start-up stays fast: ``lsim --version`` and ``lsim stores`` import none of the heavy
modules (rich, pydantic, yaml, the engines, the renderers). The times themselves are in
``benchmarks/startup.py``; this checks the cause, which does not depend on the machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("rich", "pydantic", "yaml", "lsim.engine", "lsim.render", "lsim.workload", "lsim.compare")
PROBE = """
import json, sys
from lsim.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("rich", "pydantic", "yaml")
               or m.startswith(("lsim.engine", "lsim.render", "lsim.workload", "lsim.compare")))
print(json.dumps(heavy), file=sys.stderr)
"""
# small modules main() needs on every run (the signal handling state)
LIGHT = {"lsim.engine", "lsim.engine.interrupt"}


def imported_by(*args: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    modules: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return [m for m in modules if m not in LIGHT]


def test_importing_the_app_is_light() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    code = "import sys, lsim.cli.app; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    loaded = done.stdout.split()
    heavy = [m for m in loaded if m.startswith(HEAVY) and m not in LIGHT]
    assert not heavy, f"import lsim.cli.app pulls {heavy}"


@pytest.mark.parametrize("args", [["--version"], ["stores"], ["--help"]], ids=" ".join)
def test_fast_commands_import_nothing_heavy(args: list[str]) -> None:
    heavy = imported_by(*args)
    if args == ["--help"]:  # typer renders help with rich; still no pydantic, engines, ...
        heavy = [m for m in heavy if not m.startswith("rich")]
    assert heavy == [], f"lsim {' '.join(args)} imports {heavy}"
