"""What the experiment process does, independent of how it is observed.

A :class:`Job` is set up inside the child process (after ``fork``) and runs one body per
thread. :class:`WorkloadJob` drives a store design with a workload's plans; tests use small
jobs whose true answer is known (census accuracy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from lsim.engine.board import BoardSlot
from lsim.engine.executor import Flags, StepExecutor, ThreadRecorder, scrape_phase

if TYPE_CHECKING:
    from lsim.engine.spec import Experiment
    from lsim.stores.base import LabelStore
    from lsim.workload.series import SeriesSet


class Job(Protocol):
    threads: int
    mode: str  # "steady" | "burst"
    duration_s: float
    warmup_s: float
    iterations: int

    def setup(self) -> None:
        """Runs in the child before any worker starts (build the store, prepopulate)."""

    def run_thread(
        self,
        index: int,
        iteration: int,
        slot: BoardSlot,
        flags: Flags,
        rec: ThreadRecorder,
        counters: dict[str, int],
    ) -> None:
        """The body of worker ``index``. ``counters`` is this thread's own dict of small
        counters (pacing misses, ...), read by the child at the end even if the thread is
        still running, so update it as you go."""

    def window_started(self) -> None:
        """Called by the child when the measured window begins (integrations start here)."""

    def window_ended(self) -> dict[str, Any]:
        """Called when it ends; returns what integrations produced (for the profile)."""

    def locks(self) -> list[Any]:
        """The lsim.sync locks whose statistics the report shows."""

    def stacks(self) -> dict[str, list[list[str]]]:
        """Go call stacks per operation name (see ``Profile.stacks``)."""


class WorkloadJob:
    """Drive one store design with a workload's per-thread plans."""

    def __init__(self, experiment: Experiment) -> None:
        workload = experiment.workload
        self.experiment = experiment
        self.threads = workload.threads.count
        self.mode: str = workload.threads.mode
        self.duration_s = workload.run.duration_s
        self.warmup_s = workload.run.warmup_s
        self.iterations = workload.run.iterations
        self.store: LabelStore | None = None
        self.series: SeriesSet | None = None

    def setup(self) -> None:
        from lsim.stores import create_store, store_options
        from lsim.workload.plan import prepopulate
        from lsim.workload.series import SeriesSet

        workload = self.experiment.workload
        self.store = create_store(
            self.experiment.store,
            shards=self.experiment.shards,
            layout=workload.series.layout,
            **store_options(self.experiment.store, workload),
        )
        self.series = SeriesSet(workload.series)
        prepopulate(self.store, workload, self.series)

    def run_thread(
        self,
        index: int,
        iteration: int,
        slot: BoardSlot,
        flags: Flags,
        rec: ThreadRecorder,
        counters: dict[str, int],
    ) -> None:
        from lsim.workload.plan import thread_steps

        assert self.store is not None and self.series is not None, "setup() not called"
        workload = self.experiment.workload
        executor = StepExecutor(
            self.store,
            self.series.labels,
            workload.components,
            slot,
            flags,
            rec,
            counters,
            phase=scrape_phase(index),
        )
        executor.run(thread_steps(workload, index, iteration=iteration, calls=self.store.calls))

    def window_started(self) -> None:
        if self.experiment.yappi_dir:
            from lsim.integrations.yappi import start_yappi

            start_yappi()

    def window_ended(self) -> dict[str, Any]:
        if self.experiment.yappi_dir:
            from lsim.integrations.yappi import stop_yappi

            return {"yappi": stop_yappi(self.experiment.yappi_dir)}
        return {}

    def locks(self) -> list[Any]:
        return self.store.locks() if self.store is not None else []

    def stacks(self) -> dict[str, list[list[str]]]:
        if self.store is None:
            return {}
        out: dict[str, list[list[str]]] = {}
        for op in sorted(self.store.operations):
            out[op.go_name] = [[f.function, f"{f.file}:{f.line}"] for f in self.store.go_frames(op)]
        return out
