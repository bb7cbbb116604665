"""Options shared by ``run``, ``profile``, ``compare`` and ``sweep``: declared here once.

Each flag's callback checks its own range (a ``ConfigError`` naming the flag);
``lsim.cli.resolve`` turns the values together into an
:class:`~lsim.engine.spec.Experiment`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from lsim.errors import ConfigError
from lsim.limits import MAX_SHARDS

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


def float_flag(flag: str, lo: float, hi: float) -> Callable[[float | None], float | None]:
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
    checked = float_flag("--census-hz", MIN_CENSUS_HZ, MAX_CENSUS_HZ)(value)
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

    return float_flag("--duration", 0.0, MAX_RUN_S)(value)


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
