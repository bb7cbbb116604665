"""Options shared by ``run``, ``profile``, ``compare`` and ``sweep``, and their resolution.

Typer option declarations live here once; ``resolve_experiment`` turns the raw flag values
into an :class:`~lsim.engine.spec.Experiment` with every user mistake reported as a
``ConfigError`` that names the flag and the allowed values.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lsim.errors import ConfigError
from lsim.limits import MAX_SHARDS

if TYPE_CHECKING:
    from lsim.engine.spec import Experiment
    from lsim.workload.model import Workload

DEFAULT_SHARDS = 64
ENGINES = ("threads", "model")

WorkloadOpt = Annotated[
    Path | None,
    typer.Option(
        "--workload",
        "-w",
        help="Workload YAML file (default: the built-in production one).",
        show_default=False,
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        "-s",
        help="Store design: mutex, rwmutex, finegrained, sharded, syncmap, percomponent, "
        "lockfree (default: the workload's, else mutex).",
        show_default=False,
    ),
]
ShardsOpt = Annotated[
    int | None,
    typer.Option(
        "--shards",
        help=f"Shards for the sharded design (1..{MAX_SHARDS}); implies --store "
        f"sharded. Default {DEFAULT_SHARDS}.",
        show_default=False,
    ),
]
ThreadsOpt = Annotated[
    int | None, typer.Option("--threads", "-t", help="Override the workload's thread count.")
]
DurationOpt = Annotated[
    float | None,
    typer.Option("--duration", "-d", help="Measured seconds (steady mode), after warm-up."),
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help="Seed for every random choice (plans, think times).")
]
CensusOpt = Annotated[
    float, typer.Option("--census-hz", help="Census samples per second (from the parent).")
]
EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        help="threads: real threads in a child process; model: a simulation of "
        "the Go runtime (goroutines on P processors) for production scale.",
    ),
]
GomaxprocsOpt = Annotated[
    int | None, typer.Option("--gomaxprocs", help="Model engine: P processors.")
]
GoroutinesOpt = Annotated[
    int | None, typer.Option("--goroutines", help="Model engine: goroutines to simulate.")
]
SimTimeOpt = Annotated[
    str | None,
    typer.Option("--sim-time", help="Model engine: simulated time, e.g. 200ms, 1s."),
]


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
    store_name, shard_count = resolve_store(store, shards, workload)
    if census_hz <= 0 or census_hz > 10_000:
        raise ConfigError(f"must be in (0, 10000] (got {census_hz})", source="--census-hz")
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
    if engine == "threads":  # the model takes --goroutines/--sim-time (in extra_args)
        parts += ["--threads", str(workload.threads.count)]
        if workload.threads.mode == "steady":
            parts += ["--duration", f"{workload.run.duration_s:g}"]
    parts += ["--seed", str(workload.seed)]
    if census_hz != 100.0 and engine == "threads":
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
    parts += extra
    return shlex.join(parts)
