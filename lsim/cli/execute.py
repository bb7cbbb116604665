"""Resolve flags into an experiment and run it with a progress display (shared by commands)."""

from __future__ import annotations

from pathlib import Path

from lsim.cli.progress import Describe, engine_describer, live_progress
from lsim.cli.resolve import check_engine, resolve_experiment
from lsim.engine.spec import Experiment
from lsim.profile.model import Profile

# Which engine honours which engine-specific flag; any other flag given is refused by name.
ENGINE_FLAGS: dict[str, tuple[str, ...]] = {
    "model": ("--gomaxprocs", "--goroutines", "--sim-time"),
    "go": ("--gomaxprocs", "--goroutines"),
}


def prepare(
    command_name: str,
    workload: Path | None,
    store: str | None,
    shards: int | None,
    threads: int | None,
    duration: float | None,
    seed: int | None,
    census_hz: float,
    engine: str = "threads",
    gomaxprocs: int | None = None,
    goroutines: int | None = None,
    sim_time: str | None = None,
    *,
    costs: Path | None = None,
    calibrate: bool = True,
    quiet: bool = False,
    offered: str | None = None,
) -> Experiment:
    """``offered``: a sweep's ``--offered`` value (``lsim.compare.offered_axis``), applied to
    the workload's pacing before the load is resolved."""
    import dataclasses

    check_engine(engine)
    if costs is not None and engine != "model":
        from lsim.errors import ConfigError

        raise ConfigError(f"applies to --engine model only (got --engine {engine})",
                          source="--costs")  # fmt: skip
    extra: list[str] = []
    sim_time_s: float | None = None
    honoured = ENGINE_FLAGS.get(engine, ())
    for flag, value in (
        ("--gomaxprocs", gomaxprocs),
        ("--goroutines", goroutines),
        ("--sim-time", sim_time),
    ):
        if value is None:
            continue
        if flag not in honoured:
            from lsim.errors import ConfigError

            engines = " or ".join(f"--engine {e}" for e, fl in ENGINE_FLAGS.items() if flag in fl)
            raise ConfigError(f"applies to {engines} only (got --engine {engine})", source=flag)
    if engine in ("model", "go"):
        extra += ["--engine", engine]
        if gomaxprocs is not None:
            extra += ["--gomaxprocs", str(gomaxprocs)]
        if goroutines is not None:
            extra += ["--goroutines", str(goroutines)]
        if sim_time is not None:
            from lsim.engine.model import parse_sim_time

            sim_time_s = parse_sim_time(sim_time)
            extra += ["--sim-time", sim_time]
    if engine == "model":
        from lsim.cli.options import census_hz_given

        if census_hz_given():  # else the model's own rate (per simulated second)
            extra += ["--census-hz", f"{census_hz:g}"]
    if costs is not None:
        extra += ["--costs", str(costs)]
    experiment = resolve_experiment(
        command_name=command_name,
        workload_path=workload,
        store=store,
        shards=shards,
        threads=threads,
        duration=duration,
        seed=seed,
        census_hz=census_hz,
        extra_args=extra,
        engine=engine,
    )
    if engine in ("model", "go"):
        if gomaxprocs is not None and gomaxprocs < 1:
            from lsim.errors import ConfigError

            raise ConfigError(f"must be >= 1 (got {gomaxprocs})", source="--gomaxprocs")
        if engine == "go":
            from lsim.engine.go import go_run_of

            go_run_of(
                experiment.workload,
                experiment.store,
                experiment.shards,
                goroutines,
                gomaxprocs,
                experiment.census_rate_hz,
            )  # checks the ranges
        experiment = dataclasses.replace(
            experiment,
            engine=engine,
            gomaxprocs=gomaxprocs,
            goroutines=goroutines,
            sim_time_s=sim_time_s,
        )
        if costs is not None:  # the file's costs replace the workload's, name by name
            from types import MappingProxyType

            from lsim.workload.costs import load_costs_file

            w = experiment.workload
            merged = {**w.model.costs, **load_costs_file(costs)}
            model = dataclasses.replace(w.model, costs=MappingProxyType(merged))
            w = dataclasses.replace(w, model=model)
            experiment = dataclasses.replace(experiment, workload=w)
    elif engine == "threads":
        from lsim.engine.threads import check_thread_limits

        check_thread_limits(experiment.threads, source="threads")
    if offered is not None:
        from lsim.compare.offered_axis import apply_step, parse_step

        w = apply_step(experiment.workload, parse_step(offered))
        # no flag of `lsim profile` says it: the reproduce line names the pacing it ran with
        pacing = (
            f"pacing.offered: {w.pacing.offered.text}"
            if w.pacing.offered is not None
            else f"pacing.rate_per_thread: {w.pacing.rate_per_thread:g}"
        )
        command = f"{experiment.command}  [{pacing}]"
        experiment = dataclasses.replace(experiment, workload=w, command=command)
    experiment = _resolve_load(experiment, calibrate, quiet)
    from lsim.cli.budget import check_budget

    experiment = check_budget(experiment, census_hz)  # memory and wall time, before any run
    return experiment


def _resolve_load(experiment: Experiment, calibrate: bool, quiet: bool) -> Experiment:
    """``pacing.offered`` as a rate per thread (calibrating the threads engine if needed)."""
    import dataclasses

    w = experiment.workload
    if w.pacing.offered is None:
        return experiment
    from lsim.cli.output import note
    from lsim.engine.capacity import resolve_offered
    from lsim.workload.model import check_runnable

    threads = experiment.goroutines or (w.goroutines if experiment.engine == "model" else None)
    w, load = resolve_offered(
        w,
        engine=experiment.engine,
        calibrate=calibrate,
        threads=threads,
        notify=None if quiet else note,
    )
    check_runnable(w)  # the resolved rate must still give every thread work in the window
    command = experiment.command + ("" if calibrate else " --no-calibrate")  # what ran
    return dataclasses.replace(
        experiment, workload=w, load=load.to_dict() if load else {}, command=command
    )


def expected_seconds(experiment: Experiment) -> float:
    workload = experiment.workload
    if experiment.engine == "model":
        return 1.0
    if experiment.engine == "go":
        return 1.0  # the go engine reports the fraction done itself
    if workload.threads.mode == "burst":
        return float(workload.run.iterations) * max(1.0, workload.threads.count / 2500)
    return workload.run.warmup_s + workload.run.duration_s + workload.threads.count / 5000


def describer(experiment: Experiment) -> Describe:
    """How the plain progress lines (stderr not a terminal) word this run's status."""
    sim_time_s = experiment.sim_time_s or experiment.workload.model.sim_time_s
    return engine_describer(experiment.engine, sim_time_s)


def execute(experiment: Experiment, label: str | None = None, *, quiet: bool = False) -> Profile:
    from lsim.engine.run import run_experiment
    from lsim.errors import RunFailed

    label = label or f"{experiment.store_label} · {experiment.workload.name}"
    with live_progress(
        label, expected_seconds(experiment), quiet=quiet, describe=describer(experiment)
    ) as progress:
        try:
            return run_experiment(experiment, progress)
        except RunFailed as failed:
            if failed.profile is None:
                raise
            # reported like any run (its "failed:" note included); the command then fails
            # through lsim.cli.rescue.finish_run
            profile: Profile = failed.profile
            return profile
