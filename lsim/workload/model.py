"""The workload model: frozen dataclasses, valid by construction.

Each class checks its own values in ``__post_init__`` and raises :class:`ConfigError` whose
``field`` is the YAML key relative to the class's section; the loader prefixes the section
path and the file name, and :meth:`Workload.with_overrides` names the CLI flag instead. So a
``Workload`` that exists is one the engines can run, however it was built.

The YAML keys equal the field names (``ops`` holds ``behaviour``); see ``load.py`` for the file
schema and ``plan.py`` for what each field means to a thread's plan.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from lsim.errors import ConfigError
from lsim.limits import thread_limit
from lsim.workload import checks as ck
from lsim.workload.enginespecs import ModelSpec, StoreSpec
from lsim.workload.mixspec import MixSpec
from lsim.workload.offered import OfferedLoad, parse_offered
from lsim.workload.pipelinespec import PipelineSpec
from lsim.workload.seriesspec import (
    MAX_LABEL_BYTES,
    MAX_SERIES,
    ChurnSpec,
    SeriesSpec,
    TemplateSpec,
)

Mode = Literal["steady", "burst"]
THREAD_MODES: tuple[str, ...] = ("steady", "burst")
MAX_COMPONENTS = 100  # prepopulated links use local id ``series*100 + component`` (as Alloy's)
MAX_SEED = 2**63 - 1  # seeds reach Go's int64 and SplitMix64's 64 bits
MAX_RUN_S = 86_400.0  # a measured window, a warm-up or a pause: at most one day
MAX_ITERATIONS = 100_000
MAX_RATE = 1e6  # batches per second per thread: one per microsecond

__all__ = [
    "MAX_LABEL_BYTES",
    "MAX_SERIES",
    "ChurnSpec",
    "MixSpec",
    "ModelSpec",
    "PacingSpec",
    "PipelineSpec",
    "RunSpec",
    "SeriesSpec",
    "StoreSpec",
    "TemplateSpec",
    "ThreadsSpec",
    "Workload",
]


@dataclass(frozen=True, slots=True)
class ThreadsSpec:
    count: int = 1000
    mode: Mode = "steady"

    def __post_init__(self) -> None:
        ck.integer("count", self.count, lo=1)
        limit = thread_limit()
        if self.count > limit.threads:
            raise ConfigError(
                f"must be <= {limit.threads:,} (got {self.count:,}): about {limit.threads:,} "
                f"threads can start in one process on this machine now ({limit.reason}); for "
                "production scale use the model engine (model.goroutines)",
                field="count",
            )
        ck.choice("mode", self.mode, THREAD_MODES, what="thread mode")


@dataclass(frozen=True, slots=True)
class RunSpec:
    duration_s: float = 5.0  # steady mode: how long to measure
    iterations: int = 5  # burst mode: how many times `count` fresh threads run their plan
    warmup_s: float = 0.5  # steady mode: discarded start (threads still starting)

    def __post_init__(self) -> None:
        ck.number("duration_s", self.duration_s, lo=0.0, lo_open=True, hi=MAX_RUN_S)
        if self.duration_s < 0.001:
            raise ConfigError(
                f"must be >= 0.001 s (got {self.duration_s:g}): shorter windows measure nothing",
                field="duration_s",
            )
        ck.integer("iterations", self.iterations, lo=1, hi=MAX_ITERATIONS)
        ck.number("warmup_s", self.warmup_s, lo=0.0, hi=MAX_RUN_S)


@dataclass(frozen=True, slots=True)
class PacingSpec:
    """How often a thread works. All defaults = closed loop (no pause at all)."""

    think: Literal["none", "fixed", "exponential"] = "none"  # pause after each batch
    think_s: float = 0.0  # the pause, or its mean when exponential
    rate_per_thread: float = 0.0  # batches per second per thread (pace steps); 0 = off
    batch_size: int = 1  # mix only: operations per batch
    # The total load relative to a design's capacity here ("1.6x mutex") or in calls per
    # second; the threads engine turns it into rate_per_thread (lsim.engine.capacity).
    # rate_per_thread, when given too, is what --no-calibrate and the other engines use.
    offered: OfferedLoad | None = None

    def __post_init__(self) -> None:
        if self.offered is not None:
            object.__setattr__(self, "offered", parse_offered(self.offered))
            if self.think != "none":
                raise ConfigError("use either think or offered, not both", field="think")
        ck.choice("think", self.think, ("none", "fixed", "exponential"), what="think")
        ck.number("think_s", self.think_s, lo=0.0, hi=MAX_RUN_S)
        ck.number("rate_per_thread", self.rate_per_thread, lo=0.0, hi=MAX_RATE)
        if 0 < self.rate_per_thread < 1 / MAX_RUN_S:
            raise ConfigError(
                f"must be 0 (off) or >= {1 / MAX_RUN_S:.3g} (one batch a day) "
                f"(got {self.rate_per_thread:g})",
                field="rate_per_thread",
            )
        ck.integer("batch_size", self.batch_size, lo=1, hi=100_000)
        if self.think != "none" and self.think_s <= 0:
            raise ConfigError(f"must be > 0 with think: {self.think}", field="think_s")
        if self.think == "none" and self.think_s:
            raise ConfigError("set think: fixed or exponential to use think_s", field="think_s")
        if self.think != "none" and self.rate_per_thread:
            raise ConfigError("use either think or rate_per_thread, not both", field="think")

    @property
    def closed_loop(self) -> bool:
        return self.think == "none" and not self.rate_per_thread and self.offered is None


def _components(value: tuple[str, ...]) -> None:
    if not 1 <= len(value) <= MAX_COMPONENTS:
        raise ConfigError(
            f"needs 1..{MAX_COMPONENTS} components (got {len(value)})", field="components"
        )
    for name in value:
        if not isinstance(name, str) or not name:
            raise ConfigError(
                f"component names must be non-empty strings (got {name!r})", field="components"
            )
    if len(set(value)) != len(value):
        raise ConfigError("component names must be unique", field="components")


def check_runnable(w: Workload) -> None:
    """Refuse pacing under which no thread would work: a pause longer than the run, or a
    rate at which every thread together does less than one batch in the measured time.

    Not part of ``__post_init__``: a file may be fixed by flags (``--duration``), so the
    CLI checks the workload as it will run, and ``lsim workload validate`` the file alone.
    "The run" is the longer of the threads engine's (warm-up + window) and the model's
    simulated time, so a workload meant for either engine passes. Raises
    :class:`ConfigError` with the file as ``source``.
    """
    if w.threads.mode != "steady":
        return
    try:
        _check_pacing_fits(w)
    except ConfigError as error:
        raise ConfigError(error.detail, source=w.source, field=error.field) from None


def _check_pacing_fits(w: Workload) -> None:
    p = w.pacing
    run_s = w.run.warmup_s + w.run.duration_s
    longest = max(run_s, w.model.sim_time_s)
    where = (
        f"run.warmup_s + run.duration_s = {run_s:g} s, model.sim_time_s = {w.model.sim_time_s:g} s"
    )
    if p.think != "none" and p.think_s > longest:
        raise ConfigError(
            f"a pause of {p.think_s:g} s is longer than the run ({where}): every thread "
            "would work once and sleep to the end",
            field="pacing.think_s",
        )
    if p.rate_per_thread:
        threads_batches = w.threads.count * p.rate_per_thread * w.run.duration_s
        model_batches = w.goroutines * p.rate_per_thread * 0.75 * w.model.sim_time_s
        if max(threads_batches, model_batches) < 1:
            raise ConfigError(
                f"at {p.rate_per_thread:g} batches per second per thread, "
                f"{w.threads.count:,} threads do no work in the measured window "
                f"({where}): raise the rate, the threads or the run time",
                field="pacing.rate_per_thread",
            )


@dataclass(frozen=True, slots=True)
class Workload:
    name: str = "workload"
    description: str = ""
    seed: int = 1
    series: SeriesSpec = field(default_factory=SeriesSpec)
    components: tuple[str, ...] = ("component_0",)
    threads: ThreadsSpec = field(default_factory=ThreadsSpec)
    run: RunSpec = field(default_factory=RunSpec)
    behaviour: PipelineSpec | MixSpec = field(default_factory=PipelineSpec)
    pacing: PacingSpec = field(default_factory=PacingSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    store: StoreSpec = field(default_factory=StoreSpec)
    source: str = "<memory>"

    def __post_init__(self) -> None:
        ck.integer("seed", self.seed, lo=0, hi=MAX_SEED)
        _components(self.components)
        burst = self.threads.mode == "burst"
        b = self.behaviour
        if burst and not self.pacing.closed_loop:
            raise ConfigError(
                "burst mode runs each plan once per iteration; pacing applies to steady mode only",
                field="pacing",
            )
        if isinstance(b, PipelineSpec):
            b.check_against(self.series.count, burst)
            if self.pacing.batch_size != 1:
                raise ConfigError(
                    "only for ops.mix; a pipeline's batch is ops.pipeline.series_per_thread",
                    field="pacing.batch_size",
                )
        else:
            b.check_against(self.series.count)
            if self.series.churn.fraction_per_cycle:
                raise ConfigError("applies to ops.pipeline only", field="series.churn")

    @property
    def goroutines(self) -> int:
        """How many goroutines the model engine simulates."""
        return self.model.goroutines or self.threads.count

    def with_overrides(
        self,
        threads: int | None = None,
        duration_s: float | None = None,
        seed: int | None = None,
        *,
        iterations: int | None = None,
        mode: str | None = None,
        warmup_s: float | None = None,
    ) -> Workload:
        """A validated copy with CLI flag values; errors name the flag (``--threads: ...``)."""
        w = self
        # (flag, value, section, field of that section); section "" = the Workload itself.
        edits: list[tuple[str, Any, str, str]] = [
            ("--threads", threads, "threads", "count"),
            ("--mode", mode, "threads", "mode"),
            ("--duration", duration_s, "run", "duration_s"),
            ("--iterations", iterations, "run", "iterations"),
            ("--warmup", warmup_s, "run", "warmup_s"),
            ("--seed", seed, "", "seed"),
        ]
        parts: dict[str, Any] = {}
        given: list[str] = []
        for flag, value, section, name in edits:
            if value is None:
                continue
            given.append(flag)
            if not section:
                parts[name] = value
                continue
            try:
                part = dataclasses.replace(parts.get(section, getattr(w, section)), **{name: value})
            except ConfigError as error:
                # The flag names the field already; keep the path only for knock-on errors.
                own = error.field in (None, name)
                raise ConfigError(
                    error.detail if own else f"{error.field}: {error.detail}", source=flag
                ) from None
            parts[section] = part
        if not parts:
            return w
        try:
            # One validation of the whole, so that flags given together are judged together.
            w = dataclasses.replace(w, **parts)
        except ConfigError as error:
            named = next((f for f, _, sec, n in edits if not sec and n == error.field), None)
            if named is not None:
                raise ConfigError(error.detail, source=named) from None
            raise ConfigError(error.detail, source="/".join(given), field=error.field) from None
        return w
