"""Flag values -> one :class:`~lsim.engine.spec.Experiment` (shared by the commands).

The workload with the flags applied, the store design and its shards, the engine, and the
exact command line that reproduces the run. Every user mistake is a ``ConfigError`` that
names the flag and the allowed values.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from lsim.cli.options import (
    DEFAULT_SHARDS,
    ENGINES,
    MAX_CENSUS_HZ,
    MIN_CENSUS_HZ,
    float_flag,
)
from lsim.errors import ConfigError
from lsim.limits import MAX_SHARDS

if TYPE_CHECKING:
    from lsim.engine.spec import Experiment
    from lsim.workload.model import Workload


@contextmanager
def named_flag(flag: str) -> Iterator[None]:
    """Errors raised inside without a source get ``flag`` as their source."""
    try:
        yield
    except ConfigError as error:
        if error.source is not None:
            raise
        raise ConfigError(error.detail, source=flag, field=error.field) from None


def load_workload_or_default(path: Path | None) -> Workload:
    from lsim.workload.load import builtin_workload, load_workload

    return builtin_workload() if path is None else load_workload(path)


def resolve_store(
    store: str | None, shards: int | None, workload: Workload | None = None
) -> tuple[str, int | None]:
    """``--shards`` alone means sharded; shards with another design is a mistake."""
    from lsim.stores import STORE_NAMES

    hint = workload.store if workload is not None else None
    if store is None:
        if shards is not None:
            store = "sharded"
        else:
            store = hint.design if hint and hint.design else "mutex"
    if store not in STORE_NAMES:
        raise ConfigError(
            f"unknown store design {store!r}; allowed: {', '.join(STORE_NAMES)}", source="--store"
        )
    if store != "sharded":
        if shards is not None:
            raise ConfigError(
                f"--shards applies to the sharded design only (got --store {store})",
                source="--shards",
            )
        return store, None
    if shards is None:
        shards = hint.shards if hint and hint.shards else DEFAULT_SHARDS
    if not 1 <= shards <= MAX_SHARDS:
        raise ConfigError(
            f"must be between 1 and {MAX_SHARDS} (got {shards}): the shard index lives in the "
            "top 8 bits of a global id",
            source="--shards",
        )
    return store, shards


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ConfigError(
            f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}", source="--engine"
        )
    return engine


def resolve_experiment(
    *,
    command_name: str,
    workload_path: Path | None,
    store: str | None,
    shards: int | None,
    threads: int | None,
    duration: float | None,
    seed: int | None,
    census_hz: float,
    extra_args: list[str] | None = None,
    engine: str = "threads",
) -> Experiment:
    from lsim.engine.spec import Experiment

    workload = load_workload_or_default(workload_path).with_overrides(
        threads=threads, duration_s=duration, seed=seed
    )
    from lsim.workload.model import check_runnable

    check_runnable(workload)  # as it will run: the file with the flags applied
    store_name, shard_count = resolve_store(store, shards, workload)
    _check_calls(store_name, workload)
    float_flag("--census-hz", MIN_CENSUS_HZ, MAX_CENSUS_HZ)(census_hz)
    command = reproduce_command(
        command_name,
        workload_path,
        store_name,
        shard_count,
        workload,
        census_hz,
        extra_args,
        engine,
    )
    return Experiment(
        workload=workload,
        store=store_name,
        shards=shard_count,
        census_rate_hz=census_hz,
        command=command,
    )


def _check_calls(store: str, workload: Workload) -> None:
    """directfanout runs pipeline workloads only (a mix draws labelstore calls)."""
    from lsim.stores import calls_of

    if calls_of(store) != "fanout":
        return
    from lsim.workload.fanoutplan import check_fanout_workload

    try:
        check_fanout_workload(workload)
    except ConfigError as error:
        detail = f"{store} on {workload.source}: {error.detail}"
        raise ConfigError(detail, source="--store") from None


def reproduce_command(
    command_name: str,
    workload_path: Path | None,
    store: str,
    shards: int | None,
    workload: Workload,
    census_hz: float,
    extra_args: list[str] | None = None,
    engine: str = "threads",
) -> str:
    """The exact command line that reproduces the run (every resolved value spelled out)."""
    parts = ["lsim", command_name]
    if workload_path is not None:
        parts += ["--workload", str(workload_path)]
    parts += ["--store", store]
    if shards is not None:
        parts += ["--shards", str(shards)]
    if engine in ("threads", "go"):  # the model takes --goroutines/--sim-time (in extra_args)
        parts += ["--threads", str(workload.threads.count)]
        if workload.threads.mode == "steady":
            parts += ["--duration", f"{workload.run.duration_s:g}"]
    parts += ["--seed", str(workload.seed)]
    if census_hz != 100.0 and engine in ("threads", "go"):
        parts += ["--census-hz", f"{census_hz:g}"]
    extra = list(extra_args or [])
    if engine == "model":  # spell out the resolved model settings too
        for flag, value in (
            ("--gomaxprocs", str(workload.model.gomaxprocs)),
            ("--goroutines", str(workload.goroutines)),
            ("--sim-time", f"{workload.model.sim_time_s * 1000:g}ms"),
        ):
            if flag not in extra:
                extra += [flag, value]
    if engine == "go" and "--gomaxprocs" not in extra:  # Go's default: the machine's cores
        import os

        extra += ["--gomaxprocs", str(os.cpu_count() or 1)]
    parts += extra
    return shlex.join(parts)
