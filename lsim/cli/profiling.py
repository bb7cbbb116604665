"""``lsim profile`` with py-spy / yappi: which runs to do and what to say about them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lsim.cli.execute import describer, execute, expected_seconds
from lsim.cli.progress import live_progress
from lsim.engine.observer import Observer
from lsim.engine.spec import Experiment
from lsim.errors import ConfigError, RunFailed
from lsim.profile.model import Profile

YAPPI_CALIBRATION_MAX_S = 3.0


def run_with_integrations(
    experiment: Experiment,
    stem: Path,
    *,
    py_spy: bool,
    py_spy_dump: bool,
    yappi: bool,
    quiet: bool = False,
) -> Profile:
    """Run the experiment, with the requested profilers attached; files go beside ``stem``."""
    if not (py_spy or py_spy_dump or yappi):
        return execute(experiment, quiet=quiet)
    if experiment.engine != "threads":
        raise ConfigError(
            "py-spy and yappi observe real threads; use --engine threads", source="--py-spy/--yappi"
        )
    out_dir = Path(f"{stem}.integrations")
    observers: list[Observer] = []
    if py_spy or py_spy_dump:
        from lsim.integrations.pyspy import PySpyDump, PySpyRecord, check_pyspy

        check_pyspy(experiment.threads, probe=True)
        if py_spy:
            observers.append(
                PySpyRecord(out_dir, experiment.threads, experiment.workload.run.duration_s)
            )
        if py_spy_dump:
            observers.append(PySpyDump(out_dir))
    plain_ops: float | None = None
    if yappi:
        plain_ops = _calibrate(experiment, quiet)
        experiment = dataclasses.replace(experiment, yappi_dir=str(out_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = _run_observed(experiment, observers, quiet)
    if yappi and plain_ops is not None:
        from lsim.integrations.yappi import yappi_overhead

        overhead = yappi_overhead(plain_ops, profile.ops_per_s)
        profile.integrations.setdefault("yappi", {})["overhead"] = {
            "ops_per_s_without": plain_ops,
            "ops_per_s_with": profile.ops_per_s,
            "throughput_lost": overhead,
        }
        profile.notes.append(
            f"yappi (wall clock) ran in the experiment process and cost {overhead:.0%} of "
            f"throughput ({plain_ops:,.0f} -> {profile.ops_per_s:,.0f} ops/s, calibration run "
            "just before); the census and lock statistics of this run are affected alike"
        )
    return profile


def _calibrate(experiment: Experiment, quiet: bool = False) -> float:
    """Throughput of the same experiment without yappi (a shorter run), for its overhead."""
    workload = experiment.workload
    if workload.threads.mode == "steady":
        workload = workload.with_overrides(
            duration_s=min(workload.run.duration_s, YAPPI_CALIBRATION_MAX_S)
        )
    plain = dataclasses.replace(experiment, workload=workload)
    return execute(plain, label="yappi calibration (no yappi)", quiet=quiet).ops_per_s


def _run_observed(
    experiment: Experiment, observers: list[Observer], quiet: bool = False
) -> Profile:
    from lsim.engine.run import run_threads

    label = f"{experiment.store_label} · {experiment.workload.name} (profilers attached)"
    with live_progress(
        label, expected_seconds(experiment), quiet=quiet, describe=describer(experiment)
    ) as progress:
        try:
            return run_threads(experiment, progress, observers)
        except RunFailed as failed:  # reported like any run, then the command fails
            if failed.profile is None:
                raise
            profile: Profile = failed.profile
            return profile
