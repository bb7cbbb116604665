"""Memory and wall-time estimates: refused above the machine, and never below what a run
really takes (issue 14, item 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lsim.errors import LimitError
from lsim.workload import estimate
from lsim.workload.load import builtin_workload, load_workload
from tests.workload.helpers import workload

REPO = Path(__file__).resolve().parents[2]
GIB = 1 << 30


def test_ten_million_prepopulated_series_are_refused_on_a_24_gib_machine() -> None:
    w = workload({"series": {"count": 10_000_000, "prepopulated": 10_000_000}})
    needed = estimate.memory(w, "threads")
    assert needed.parts["series"] > 24 * GIB
    with pytest.raises(LimitError) as raised:
        estimate.check_memory(needed, "big.yaml", 24 * GIB)
    message = str(raised.value)
    assert message.startswith("big.yaml: this run needs about")
    assert "fewer series (series.count)" in message


def test_what_fits_passes_and_unknown_memory_is_not_refused() -> None:
    w = builtin_workload()
    estimate.check_memory(estimate.memory(w, "threads"), "w", 24 * GIB)
    estimate.check_memory(estimate.memory(w, "model", 54_000), "w", 24 * GIB)
    estimate.check_memory(estimate.memory(w, "threads"), "w", None)


def test_a_long_census_is_counted() -> None:
    w = workload({"run": {"duration_s": 86_400.0}})
    assert estimate.memory(w, "threads", census_hz=10_000).parts["census"] > 24 * GIB


def test_model_wall_time_grows_with_simulated_time_and_goroutines() -> None:
    w = load_workload(REPO / "workloads" / "alloy-production-dump.yaml")
    short = estimate.model_wall_s(w, "mutex", None, 64, 54_000, 0.2, 1000.0)
    long = estimate.model_wall_s(w, "mutex", None, 64, 54_000, 3600.0, 1000.0)
    assert short < 60 < estimate.MAX_WALL_S < long
    assert estimate.describe_wall(long).endswith(" h")


def _peak_rss_of(args: list[str], cwd: Path) -> int:
    """Run ``lsim ARGS`` in a fresh process; the peak RSS of its largest descendant, bytes."""
    code = (
        "import resource, subprocess, sys\n"
        f"done = subprocess.run([sys.executable, '-m', 'lsim', *{args!r}], capture_output=True)\n"
        "assert done.returncode == 0, done.stderr.decode()[-2000:]\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env, timeout=240
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return int(out.stdout.strip())


@pytest.mark.timeout(300)
def test_runs_stay_below_their_estimate(tmp_path: Path) -> None:
    data = {
        "name": "prepop",
        "threads": {"count": 50},
        "run": {"duration_s": 0.3, "warmup_s": 0.1},
        "series": {"count": 60_000, "prepopulated": 60_000},
        "components": 3,
    }
    (tmp_path / "prepop.yaml").write_text(json.dumps(data))
    w = load_workload(tmp_path / "prepop.yaml")
    threads_rss = _peak_rss_of(["run", "-w", "prepop.yaml", "-q", "-o", "r.txt"], tmp_path)
    assert threads_rss <= estimate.memory(w, "threads").total
    args = ["run", "-w", "prepop.yaml", "--engine", "model", "--goroutines", "20000"]
    model_rss = _peak_rss_of([*args, "--sim-time", "5ms", "-q", "-o", "m.txt"], tmp_path)
    assert model_rss <= estimate.memory(w, "model", 20_000, 0.005, 1000.0).total
