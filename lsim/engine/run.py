"""One entry point for every engine: ``run_experiment(experiment) -> Profile``.

Engines are registered by name in ``ENGINES`` (one explicit table, like stores and
renderers). Each is an object with ``run(experiment, progress) -> RunRecord``
(:class:`lsim.engine.record.Engine`); one builder (``lsim.engine.build``) turns any record
into the profile. Adding an engine is one module with such an object and one entry here.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass

from lsim.engine.build import build_profile
from lsim.engine.observer import Observer
from lsim.engine.record import Engine, ProgressFn, RunRecord
from lsim.engine.spec import Experiment
from lsim.profile.model import Profile

__all__ = ["ENGINES", "Engine", "ProgressFn", "run_experiment", "run_threads"]


@dataclass(frozen=True)
class Imported:
    """An engine named by its module and class, imported when it first runs: a threads run
    does not load the simulator or the Go driver (and start-up stays light)."""

    module: str
    cls: str

    def load(self) -> Engine:
        engine: Engine = getattr(importlib.import_module(self.module), self.cls)()
        return engine

    def run(self, experiment: Experiment, progress: ProgressFn | None = None) -> RunRecord:
        return self.load().run(experiment, progress)


ENGINES: dict[str, Engine] = {
    "threads": Imported("lsim.engine.report", "ThreadsEngine"),
    "model": Imported("lsim.engine.model.report", "ModelEngine"),
    "go": Imported("lsim.engine.go.report", "GoEngine"),
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
    from lsim.engine.report import ThreadsEngine

    return build_profile(ThreadsEngine(observers).run(experiment, progress))
