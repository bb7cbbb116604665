"""One entry point for both engines: ``run_experiment(experiment) -> Profile``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lsim.engine.observer import Observer
from lsim.engine.spec import Experiment
from lsim.engine.threads import RunStatus
from lsim.profile.model import Profile

ProgressFn = Callable[[RunStatus], None]


def run_experiment(experiment: Experiment, progress: ProgressFn | None = None) -> Profile:
    if experiment.engine == "model":
        return run_model_engine(experiment, progress)
    return run_threads(experiment, progress)


def run_threads(
    experiment: Experiment,
    progress: ProgressFn | None = None,
    observers: Sequence[Observer] = (),
) -> Profile:
    """Run ``experiment`` on real threads in a child process and return its profile."""
    from lsim.engine.job import WorkloadJob
    from lsim.engine.report import build_profile
    from lsim.engine.threads import run_child

    result = run_child(
        WorkloadJob(experiment),
        census_rate_hz=experiment.census_rate_hz,
        census=experiment.census,
        progress=progress,
        observers=observers,
    )
    return build_profile(experiment, result)


def run_model_engine(experiment: Experiment, progress: ProgressFn | None = None) -> Profile:
    """Simulate the Go runtime (goroutines on P processors) for ``experiment``."""
    from lsim.engine.model import run_model

    goroutines = experiment.goroutines or experiment.workload.goroutines

    def on_fraction(done: float) -> None:
        if progress is not None:
            progress(RunStatus("simulating", goroutines, goroutines, 0.0, 0.0, 0.0, 0, done))

    return run_model(
        experiment.workload,
        experiment.store,
        shards=experiment.shards,
        seed=experiment.seed,
        gomaxprocs=experiment.gomaxprocs,
        goroutines=experiment.goroutines,
        sim_time_s=experiment.sim_time_s,
        progress=on_fraction,
        command=experiment.command,
    )
