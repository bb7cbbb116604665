"""``lsim run``: drive one store design with a workload and print the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lsim.cli.app import app
from lsim.cli.options import (
    CensusOpt,
    DurationOpt,
    EngineOpt,
    GomaxprocsOpt,
    GoroutinesOpt,
    SeedOpt,
    ShardsOpt,
    SimTimeOpt,
    StoreOpt,
    ThreadsOpt,
    WorkloadOpt,
)
from lsim.errors import ConfigError

RUN_FORMATS = ("text", "json")


@app.command("run")
def run(
    workload: WorkloadOpt = None,
    store: StoreOpt = None,
    shards: ShardsOpt = None,
    threads: ThreadsOpt = None,
    duration: DurationOpt = None,
    seed: SeedOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    census_hz: CensusOpt = 100.0,
    engine: EngineOpt = "threads",
    gomaxprocs: GomaxprocsOpt = None,
    goroutines: GoroutinesOpt = None,
    sim_time: SimTimeOpt = None,
) -> None:
    """Run one experiment and report throughput, latency, the lock-wait census and locks.

    Examples: ``lsim run``, ``lsim run --shards 64``,
    ``lsim run --workload workloads/alloy-high-contention.yaml --store mutex``.
    """
    from lsim.cli.execute import execute, prepare

    if fmt not in RUN_FORMATS:
        raise ConfigError(
            f"unknown format {fmt!r}; allowed: {', '.join(RUN_FORMATS)}", source="--format"
        )
    experiment = prepare(
        "run",
        workload,
        store,
        shards,
        threads,
        duration,
        seed,
        census_hz,
        engine,
        gomaxprocs,
        goroutines,
        sim_time,
    )
    profile = execute(experiment)
    from lsim.cli.output import emit_text_report
    from lsim.profile.report import report_dict

    if fmt == "json":
        text = json.dumps(report_dict(profile), indent=2, sort_keys=True) + "\n"
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text)
    else:
        emit_text_report(profile, output)
    if profile.notes and any(note.startswith("interrupted") for note in profile.notes):
        raise typer.Exit(130)  # what was measured is printed; the exit code says it was cut
