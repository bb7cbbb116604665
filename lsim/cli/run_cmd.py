"""``lsim run``: drive one store design with a workload and print the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lsim.cli.app import app
from lsim.cli.options import (
    CalibrateOpt,
    CensusOpt,
    CostsOpt,
    DurationOpt,
    EngineOpt,
    GomaxprocsOpt,
    GoroutinesOpt,
    QuietOpt,
    SeedOpt,
    ShardsOpt,
    SimTimeOpt,
    StoreOpt,
    ThreadsOpt,
    WorkloadOpt,
)
from lsim.cli.output import Formats

RUN_FORMATS = Formats("lsim run", ("text", "json"), "text", {".json": "json", ".txt": "text"})


@app.command("run")
def run(
    workload: WorkloadOpt = None,
    store: StoreOpt = None,
    shards: ShardsOpt = None,
    threads: ThreadsOpt = None,
    duration: DurationOpt = None,
    seed: SeedOpt = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar=RUN_FORMATS.metavar,
            help="Report format (default: from -o's suffix, else text).",
            autocompletion=lambda: list(RUN_FORMATS.names),
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the report to this file ('-' = stdout).", metavar="FILE"
        ),
    ] = None,
    census_hz: CensusOpt = 100.0,
    engine: EngineOpt = "threads",
    gomaxprocs: GomaxprocsOpt = None,
    goroutines: GoroutinesOpt = None,
    sim_time: SimTimeOpt = None,
    costs: CostsOpt = None,
    calibrate: CalibrateOpt = True,
    quiet: QuietOpt = False,
) -> None:
    """Run one experiment and report throughput, latency, the lock-wait census and locks.

    The report goes to stdout (text, or -f json), or to -o FILE in the format its suffix
    names (`r.json` is JSON).

    Examples:

    * `lsim run`
    * `lsim run --shards 64 -f json | jq .census.blocked_share`
    * `lsim run --workload workloads/alloy-high-contention.yaml --store mutex`
    * `lsim run --engine model --goroutines 54000 --gomaxprocs 64 -o report.json`
    """
    from lsim.cli.execute import execute, prepare
    from lsim.cli.output import check_destination, emit_text_report, write_data

    out_format = RUN_FORMATS.resolve(fmt, output)
    check_destination(output)
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
        costs=costs,
        calibrate=calibrate,
        quiet=quiet,
    )
    profile = execute(experiment, quiet=quiet)
    if out_format == "json":
        from lsim.profile.report import report_dict

        write_data(json.dumps(report_dict(profile), indent=2, sort_keys=True) + "\n", output)
    else:
        emit_text_report(profile, output)
    from lsim.cli.rescue import finish_run

    finish_run(profile)  # what was measured is out; 130 if it was cut, 1 if a worker failed
