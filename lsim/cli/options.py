"""Options shared by ``run``, ``profile``, ``compare`` and ``sweep``, and their resolution.

Typer option declarations live here once; ``resolve_experiment`` turns the raw flag values
into an :class:`~lsim.engine.spec.Experiment` with every user mistake reported as a
``ConfigError`` that names the flag and the allowed values.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lsim.errors import ConfigError
from lsim.limits import MAX_SHARDS

if TYPE_CHECKING:
    from lsim.engine.spec import Experiment
    from lsim.workload.model import Workload

DEFAULT_SHARDS = 64
MAX_CENSUS_HZ = 10_000.0
MIN_CENSUS_HZ = 0.01
MAX_GOMAXPROCS = 4096
MODEL_CENSUS_HZ = 1000.0  # the model samples per simulated second, unless --census-hz is given
_GIVEN: dict[str, bool] = {}  # flags given on this command line (not defaults), by callbacks


def int_flag(flag: str, lo: int, hi: int) -> Callable[[int | None], int | None]:
    """A typer callback refusing an integer flag outside ``lo..hi``, naming the flag."""

    def check(value: int | None) -> int | None:
        if value is not None and not lo <= value <= hi:
            raise ConfigError(f"must be {lo:,}..{hi:,} (got {_number(value)})", source=flag)
        return value

    return check


def _float_flag(flag: str, lo: float, hi: float) -> Callable[[float | None], float | None]:
    """A typer callback refusing NaN, infinities and values outside ``(lo, hi]``."""

    def check(value: float | None) -> float | None:
        if value is None:
            return None
        if not math.isfinite(value):
            raise ConfigError(f"must be a finite number (got {value})", source=flag)
        if not lo < value <= hi:
            raise ConfigError(f"must be > {lo:g} and <= {hi:g} (got {value:g})", source=flag)
        return value

    return check


def _number(value: int) -> str:
    if value.bit_length() > 64:
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    return f"{value:,}"


def _sim_time(value: str | None) -> str | None:
    """``--sim-time`` is checked when given, before anything runs (the value stays text)."""
    if value is not None:
        from lsim.engine.model import parse_sim_time

        parse_sim_time(value)
    return value


def _census_hz(ctx: typer.Context, param: typer.CallbackParam, value: float) -> float:
    source = ctx.get_parameter_source(param.name) if param.name else None
    _GIVEN["--census-hz"] = source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")
    checked = _float_flag("--census-hz", MIN_CENSUS_HZ, MAX_CENSUS_HZ)(value)
    assert checked is not None
    return checked


def census_hz_given() -> bool:
    """Whether ``--census-hz`` was on the command line (the model has its own default)."""
    return _GIVEN.get("--census-hz", False)


def _max_goroutines() -> int:
    from lsim.limits import MAX_GOROUTINES_MODEL

    return MAX_GOROUTINES_MODEL


def _goroutines(value: int | None) -> int | None:
    return int_flag("--goroutines", 1, _max_goroutines())(value)


def _seed(value: int | None) -> int | None:
    from lsim.workload.model import MAX_SEED

    return int_flag("--seed", 0, MAX_SEED)(value)


def _duration(value: float | None) -> float | None:
    from lsim.workload.model import MAX_RUN_S

    return _float_flag("--duration", 0.0, MAX_RUN_S)(value)


ENGINES = ("threads", "model", "go")

WorkloadOpt = Annotated[
    Path | None,
    typer.Option(
        "--workload",
        "-w",
        help="Workload YAML file (default: the built-in production one).",
        show_default=False,
    ),
]
# The designs, spelled out so that option declarations do not import the stores (start-up
# time); tests/cli/test_help.py checks this against lsim.stores.STORE_NAMES.
STORE_CHOICES = (
    "mutex",
    "rwmutex",
    "finegrained",
    "sharded",
    "syncmap",
    "percomponent",
    "lockfree",
    "directfanout",
)


def complete_store() -> list[str]:
    return list(STORE_CHOICES)


def complete_engine() -> list[str]:
    return list(ENGINES)


StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        "-s",
        metavar="DESIGN",
        help=f"Store design: {', '.join(STORE_CHOICES)} (default: the workload's, else mutex).",
        autocompletion=complete_store,
        show_default=False,
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet/--no-quiet",
        "-q",
        help="No progress on stderr (neither the live bar nor the plain lines every ~10 s).",
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
    int | None,
    typer.Option(
        "--threads",
        "-t",
        help="Override the workload's thread count.",
        callback=int_flag("--threads", 1, 10**9),
    ),
]
DurationOpt = Annotated[
    float | None,
    typer.Option(
        "--duration",
        "-d",
        help="Measured seconds (steady mode), after warm-up.",
        callback=_duration,
    ),
]
SeedOpt = Annotated[
    int | None,
    typer.Option(
        "--seed", help="Seed for every random choice (plans, think times).", callback=_seed
    ),
]
CensusOpt = Annotated[
    float,
    typer.Option(
        "--census-hz",
        help="Census samples per second (from the parent; the model: per simulated second, "
        "default 1000).",
        callback=_census_hz,
    ),
]
EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        metavar="|".join(ENGINES),
        autocompletion=complete_engine,
        help="threads: real threads in a child process; model: a simulation of "
        "the Go runtime (goroutines on P processors) for production scale; go: real "
        "goroutines and sync.Mutex on the local Go toolchain (go >= 1.19), the reference.",
    ),
]
GomaxprocsOpt = Annotated[
    int | None,
    typer.Option(
        "--gomaxprocs",
        help="Model and go engines: P processors (go default: the cores).",
        callback=int_flag("--gomaxprocs", 1, MAX_GOMAXPROCS),
    ),
]
GoroutinesOpt = Annotated[
    int | None,
    typer.Option(
        "--goroutines",
        help="Model and go engines: goroutines (go default: the workload's thread count).",
        callback=_goroutines,
    ),
]
SimTimeOpt = Annotated[
    str | None,
    typer.Option(
        "--sim-time", help="Model engine: simulated time, e.g. 200ms, 1s.", callback=_sim_time
    ),
]
CalibrateOpt = Annotated[
    bool,
    typer.Option(
        "--calibrate/--no-calibrate",
        envvar="LSIM_CALIBRATE",
        help="Threads engine: a load stated relative to a design's capacity "
        "(pacing.offered: 1.6x mutex) uses that capacity measured on this machine (once, "
        "then cached); --no-calibrate runs the workload's absolute rate_per_thread instead.",
    ),
]
CostsOpt = Annotated[
    Path | None,
    typer.Option(
        "--costs",
        metavar="FILE",
        help="Model engine: the costs file lsim calibrate wrote (overrides the workload's "
        "model.costs).",
    ),
]


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
    _float_flag("--census-hz", MIN_CENSUS_HZ, MAX_CENSUS_HZ)(census_hz)
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
