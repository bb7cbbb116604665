"""One entry point for every engine: ``run_experiment(experiment) -> Profile``.

Engines are registered by name in ``ENGINES`` (one explicit table, like stores and renderers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lsim.engine.observer import Observer
from lsim.engine.spec import Experiment
from lsim.engine.threads import RunStatus
from lsim.profile.model import Profile

ProgressFn = Callable[[RunStatus], None]


def run_experiment(experiment: Experiment, progress: ProgressFn | None = None) -> Profile:
    engine = ENGINES.get(experiment.engine)
    if engine is None:
        from lsim.errors import ConfigError

        raise ConfigError(
            f"unknown engine {experiment.engine!r}; allowed: {', '.join(ENGINES)}",
            source="--engine",
        )
    if not experiment.load:
        return engine(experiment, progress)
    from lsim.errors import RunFailed

    try:
        return _with_load(engine(experiment, progress), experiment)
    except RunFailed as failed:
        if failed.profile is not None:
            _with_load(failed.profile, experiment)
        raise


def _with_load(profile: Profile, experiment: Experiment) -> Profile:
    """Every engine's profile says what pacing.offered resolved to (lsim.engine.capacity)."""
    profile.load = dict(experiment.load)
    return profile


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
        census_rate_hz=experiment.census_rate_hz,
        progress=on_fraction,
        command=experiment.command,
    )


def run_go_engine(experiment: Experiment, progress: ProgressFn | None = None) -> Profile:
    """Run ``experiment`` on real goroutines (the Go program, built on first use)."""
    from lsim.engine.go import go_run_of, run_go

    run = go_run_of(
        experiment.workload,
        experiment.store,
        experiment.shards,
        experiment.goroutines,
        experiment.gomaxprocs,
        experiment.census_rate_hz,
    )

    def status(phase: str, done: float) -> None:
        if progress is not None:
            progress(RunStatus(phase, run.goroutines, run.goroutines, 0.0, 0.0, 0.0, 0, done))

    return run_go(run, experiment.command, status)


EngineFn = Callable[[Experiment, ProgressFn | None], Profile]
ENGINES: dict[str, EngineFn] = {
    "threads": run_threads,
    "model": run_model_engine,
    "go": run_go_engine,
}
