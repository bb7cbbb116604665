"""One entry point for every engine: ``run_experiment(experiment) -> Profile``.

Engines are registered by name in ``ENGINES`` (one explicit table, like stores and
renderers). Each is an object with ``run(experiment, progress) -> RunRecord``
(:class:`lsim.engine.record.Engine`); one builder (``lsim.engine.build``) turns any record
into the profile. Adding an engine is one module with such an object and one entry here.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsim.engine.build import build_profile
from lsim.engine.go.report import GoEngine
from lsim.engine.model.report import ModelEngine
from lsim.engine.observer import Observer
from lsim.engine.record import Engine, ProgressFn
from lsim.engine.report import ThreadsEngine
from lsim.engine.spec import Experiment
from lsim.profile.model import Profile

__all__ = ["ENGINES", "Engine", "ProgressFn", "run_experiment", "run_threads"]

ENGINES: dict[str, Engine] = {
    "threads": ThreadsEngine(),
    "model": ModelEngine(),
    "go": GoEngine(),
}


def run_experiment(experiment: Experiment, progress: ProgressFn | None = None) -> Profile:
    """Run ``experiment`` on its engine and build its profile.

    A failed run raises :class:`~lsim.errors.RunFailed` holding the profile of what was
    measured; an interrupted one returns it, marked interrupted.
    """
    engine = ENGINES.get(experiment.engine)
    if engine is None:
        from lsim.errors import ConfigError

        raise ConfigError(
            f"unknown engine {experiment.engine!r}; allowed: {', '.join(ENGINES)}",
            source="--engine",
        )
    if not experiment.load:
        return build_profile(engine.run(experiment, progress))
    from lsim.errors import RunFailed

    try:
        return _with_load(build_profile(engine.run(experiment, progress)), experiment)
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
    """Run ``experiment`` on real threads in a child process and return its profile
    (``observers`` watch the experiment process: py-spy, capacity calibration)."""
    return build_profile(ThreadsEngine(observers).run(experiment, progress))
