"""One entry point for both engines: ``run_experiment(experiment) -> Profile``."""

from __future__ import annotations

from collections.abc import Callable

from lsim.engine.spec import Experiment
from lsim.engine.threads import RunStatus
from lsim.profile.model import Profile


def run_threads(
    experiment: Experiment, progress: Callable[[RunStatus], None] | None = None
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
    )
    return build_profile(experiment, result)
