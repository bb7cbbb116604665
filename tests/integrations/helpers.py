"""Shared pieces for the integration tests: a small contended experiment, ptrace probing."""

from __future__ import annotations

import functools

from lsim.engine.spec import Experiment
from lsim.workload.model import RunSpec, ThreadsSpec, Workload

THREADS = 30


def small_experiment(
    store: str = "mutex", threads: int = THREADS, duration_s: float = 1.5, **kw: object
) -> Experiment:
    """A closed-loop workload on one store: contended, so lock waits must show up."""
    workload = Workload(
        name="integrations-test",
        threads=ThreadsSpec(count=threads),
        run=RunSpec(duration_s=duration_s, warmup_s=0.3),
    )
    return Experiment(workload=workload, store=store, **kw)  # type: ignore[arg-type]


@functools.cache
def ptrace_refusal() -> str | None:
    """Why py-spy cannot attach here (None when it can); probed once per session."""
    from lsim.integrations.pyspy_tool import probe_ptrace

    return probe_ptrace()
