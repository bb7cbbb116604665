"""Running a schedule's cells side by side: local processes (``--jobs N``) or a Dask cluster.

Only for ``--engine model``: a model cell is a pure function of its experiment (deterministic
per seed, virtual time), so cells run at the same time cannot disturb each other's results,
and the log is the one :func:`lsim.compare.runner.run_plan` would give: runs in plan order,
profiles saved under the same names. The threads and go engines measure real time and stay
strictly sequential (``runner.py``).

Worker processes are started with ``spawn`` (the parent may run a progress thread, which a
forked child must not inherit). An experiment crosses to a worker by pickle; its workload's
costs are a read-only ``MappingProxyType``, which pickle cannot copy, so a reducer that
rebuilds it from a dict is registered here.
"""

from __future__ import annotations

import copyreg
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from lsim.compare.runner import Finished, RunLog, _save, was_interrupted
from lsim.compare.schedule import Slot, Variant
from lsim.errors import ConfigError, IntegrationError, RunFailed

if TYPE_CHECKING:
    from lsim.engine.spec import Experiment
    from lsim.profile.model import Profile

EXECUTORS = ("local", "dask")
DASK_HINT = "install it with: pip install 'lsim[dask]'"
OnDone = Callable[[Slot], None]


def _proxy(data: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(data)


def _reduce_proxy(mp: MappingProxyType[str, Any]) -> tuple[Any, tuple[dict[str, Any]]]:
    return _proxy, (dict(mp),)


copyreg.pickle(MappingProxyType, _reduce_proxy)


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_jobs(
    jobs: int | None, engines: Sequence[str], executor: str, scheduler: str | None = None
) -> int:
    """``--jobs``: default the cores for model-only schedules, else 1 (sequential). Checks
    ``--executor`` and ``--scheduler`` too, so a wrong flag fails before the first run."""
    if scheduler is not None and executor != "dask":
        raise ConfigError("applies to --executor dask only", source="--scheduler")
    if executor not in EXECUTORS:
        raise ConfigError(
            f"unknown executor {executor!r}; allowed: {', '.join(EXECUTORS)}", source="--executor"
        )
    model_only = all(e == "model" for e in engines)
    if jobs is not None and jobs < 1:
        raise ConfigError(f"must be >= 1 (got {jobs})", source="--jobs")
    if not model_only and (executor != "local" or (jobs is not None and jobs > 1)):
        flag = "--executor" if executor != "local" else "--jobs"
        raise ConfigError(
            "applies to --engine model only: the threads and go engines measure real time, "
            "so their runs never overlap",
            source=flag,
        )
    if not model_only:
        return 1
    return jobs if jobs is not None else default_jobs()


def run_cell(experiment: Experiment) -> Profile:
    """One cell, in a worker: the same call the sequential runner makes."""
    from lsim.engine.run import run_experiment

    return run_experiment(experiment)


def run_cells(
    plan: Sequence[Slot],
    experiments: Mapping[Variant, Experiment],
    *,
    jobs: int,
    executor: str = "local",
    scheduler: str | None = None,
    save_dir: Path | None = None,
    on_done: OnDone | None = None,
) -> RunLog:
    """Run every cell of ``plan`` on ``jobs`` workers; the log lists them in plan order.

    A failed cell stops the schedule (the cells not started are not run), Ctrl-C too; the
    cells that finished are kept, as the sequential runner keeps its prefix.
    """
    log = RunLog(list(plan))
    profiles: dict[int, Profile] = {}
    with _pool(executor, jobs, scheduler) as pool:
        pending: dict[Any, Slot] = {}
        queue = list(plan)
        try:
            while queue or pending:
                while queue and len(pending) < 2 * jobs:  # a few queued per worker
                    slot = queue.pop(0)
                    pending[pool.submit(run_cell, experiments[slot.variant])] = slot
                done = pool.wait_first(list(pending))
                for future in sorted(done, key=lambda f: pending[f].index):
                    slot = pending.pop(future)
                    try:
                        profiles[slot.index] = future.result()
                    except RunFailed as error:
                        log.failure = f"{slot.variant.label} repetition {slot.repetition}: {error}"
                        if error.profile is not None:
                            log.cut_short = Finished(
                                slot, error.profile, _save(log, error.profile, save_dir, slot)
                            )
                        queue.clear()
                        continue
                    if on_done is not None:
                        on_done(slot)
                if log.failure is not None:
                    _cancel(pending)
                    break
        except KeyboardInterrupt:
            log.interrupted = True
            _cancel(pending)
    for slot in plan:  # in plan order: the same files, the same log as run_plan's
        profile = profiles.get(slot.index)
        if profile is None:
            continue
        done_cell = Finished(slot, profile, _save(log, profile, save_dir, slot))
        if was_interrupted(profile):  # Ctrl-C reached the worker first
            log.interrupted = True
            if log.cut_short is None:
                log.cut_short = done_cell
            continue
        log.finished.append(done_cell)
    return log


def _cancel(pending: Mapping[Any, Slot]) -> None:
    for future in pending:
        future.cancel()


class _Pool:
    """What ``run_cells`` needs of an executor: submit a call, wait for the first results."""

    def __init__(self, submit: Callable[..., Any], wait_first: Callable[[list[Any]], Any]):
        self.submit = submit
        self.wait_first = wait_first


def _wait_local(futures: list[Any]) -> set[Any]:
    return wait(futures, return_when=FIRST_COMPLETED).done


@contextmanager
def _pool(executor: str, jobs: int, scheduler: str | None) -> Iterator[_Pool]:
    if executor == "dask":
        with _dask_client(jobs, scheduler) as (dist, client):
            yield _Pool(
                lambda fn, *args: client.submit(fn, *args, pure=False),
                lambda futures: dist.wait(futures, return_when="FIRST_COMPLETED").done,
            )
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
    try:
        yield _Pool(pool.submit, _wait_local)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _dask_client(jobs: int, scheduler: str | None) -> Iterator[tuple[Any, Any]]:
    """``dask.distributed`` and a client of the cluster at ``scheduler``, or of a
    LocalCluster of ``jobs`` single-threaded worker processes."""
    try:
        from dask import distributed
    except ImportError:
        raise IntegrationError(f"--executor dask needs dask.distributed; {DASK_HINT}") from None
    dist: Any = distributed  # untyped library
    if scheduler is not None:
        try:
            client = dist.Client(scheduler, timeout="10s")
        except OSError as error:
            raise IntegrationError(
                f"--scheduler: cannot reach the Dask scheduler at {scheduler}: {error}"
            ) from None
        with client:
            yield dist, client
        return
    with dist.LocalCluster(
        n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, dist.Client(cluster) as client:  # fmt: skip
        yield dist, client
