"""Before a run: refuse what cannot fit in this machine's memory, and say (or refuse) what
would take too long. The figures are ``lsim.workload.estimate``'s."""

from __future__ import annotations

import dataclasses

from lsim.engine.spec import Experiment
from lsim.errors import LimitError
from lsim.limits import available_memory
from lsim.workload import estimate


def check_budget(experiment: Experiment, census_hz: float) -> Experiment:
    """The experiment as it will run (the model's census rate resolved), once it is known to
    fit; raises :class:`LimitError` naming what to reduce."""
    from lsim.cli.options import MODEL_CENSUS_HZ, census_hz_given

    if experiment.engine == "model":
        hz = census_hz if census_hz_given() else MODEL_CENSUS_HZ
        experiment = dataclasses.replace(experiment, census_rate_hz=hz)
    w = experiment.workload
    goroutines = experiment.goroutines or w.goroutines
    sim_time_s = experiment.sim_time_s or w.model.sim_time_s
    source = w.source if not w.source.startswith(("<", "builtin:")) else "workload"
    needed = estimate.memory(
        w, experiment.engine, goroutines, sim_time_s, experiment.census_rate_hz
    )
    estimate.check_memory(needed, source, available_memory())
    if experiment.engine == "model":
        wall = estimate.model_wall_s(
            w,
            experiment.store,
            experiment.shards,
            experiment.gomaxprocs or w.model.gomaxprocs,
            goroutines,
            sim_time_s,
            experiment.census_rate_hz,
        )
        _check_wall(wall, "--sim-time", "a shorter --sim-time or fewer --goroutines")
        if wall > estimate.NOTE_WALL_S:
            from lsim.cli.output import note

            note(
                f"the model will take about {estimate.describe_wall(wall)} of wall time "
                f"(an estimate) for {sim_time_s:g} s of {goroutines:,} goroutines"
            )
    elif experiment.engine == "threads" and w.threads.mode == "burst":
        wall = w.run.iterations * max(1.0, w.threads.count / 2500)
        _check_wall(wall, f"{source}: run.iterations", "fewer iterations or threads")
    return experiment


def _check_wall(seconds: float, source: str, hint: str) -> None:
    if seconds > estimate.MAX_WALL_S:
        raise LimitError(
            f"{source}: this run would take about {estimate.describe_wall(seconds)} of wall "
            f"time (an estimate; at most {estimate.describe_wall(estimate.MAX_WALL_S)} per "
            f"run); use {hint}"
        )
