"""``lsim compare``: every design on the same workload and seed, repeated and interleaved.

The parts ``lsim sweep`` shares with it are in ``lsim.cli.measuring`` (and importable from
here, as ``sweep_cmd`` does).
"""

from __future__ import annotations

from typing import Annotated

import typer

from lsim.cli.app import app
from lsim.cli.measuring import (
    TABLE_FORMATS,
    Cells,
    ExecutorOpt,
    FormatOpt,
    JobsOpt,
    OutputOpt,
    ProfilesDirOpt,
    RepeatOpt,
    RunArgs,
    SchedulerOpt,
    cells_for,
    emit,
    measure,
    report_for,
    run_folder,
    runnable_variants,
)
from lsim.cli.options import (
    CalibrateOpt,
    CensusOpt,
    DurationOpt,
    GomaxprocsOpt,
    GoroutinesOpt,
    QuietOpt,
    SeedOpt,
    SimTimeOpt,
    ThreadsOpt,
    WorkloadOpt,
)
from lsim.cli.output import check_destination, note

EXIT_INTERRUPTED = 130

StoresOpt = Annotated[
    str | None,
    typer.Option(
        "--stores",
        help="Comma-separated designs (default: all eight): mutex, "
        "rwmutex, finegrained, sharded, syncmap, percomponent, lockfree, directfanout.",
        show_default=False,
    ),
]
# (re-exported for lsim.cli.sweep_cmd and tests: the shared parts, by their old address)
__all__ = [
    "TABLE_FORMATS",
    "Cells",
    "ExecutorOpt",
    "FormatOpt",
    "JobsOpt",
    "OutputOpt",
    "ProfilesDirOpt",
    "RepeatOpt",
    "RunArgs",
    "SchedulerOpt",
    "cells_for",
    "compare",
    "emit",
    "measure",
    "report_for",
    "run_folder",
    "runnable_variants",
]


@app.command("compare")
def compare(
    workload: WorkloadOpt = None,
    stores: StoresOpt = None,
    shards: Annotated[
        str | None,
        typer.Option(
            "--shards",
            help="Shard counts for the sharded design, comma-separated (1..256).",
            show_default="32,64",
        ),
    ] = None,
    repeat: RepeatOpt = 5,
    threads: ThreadsOpt = None,
    duration: DurationOpt = None,
    seed: SeedOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    profiles_dir: ProfilesDirOpt = None,
    census_hz: CensusOpt = 100.0,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="threads, model or go, or a comma list (threads,model,go) to put the "
            "engines side by side for each design.",
        ),
    ] = "threads",
    gomaxprocs: GomaxprocsOpt = None,
    goroutines: GoroutinesOpt = None,
    sim_time: SimTimeOpt = None,
    jobs: JobsOpt = None,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    calibrate: CalibrateOpt = True,
    quiet: QuietOpt = False,
) -> None:
    """Measure every design on one workload, repeated and interleaved, beside the predictions.

    Each design runs on the same workload and seed, one run at a time, --repeat times in
    interleaved order. The table shows throughput, p99, blocked shares, the reduction versus
    mutex beside the document's prediction, and a verdict that only claims a win outside
    the noise. Every run's profile is saved (compare any pair with `lsim profile diff`).

    Examples: ``lsim compare``, ``lsim compare --stores mutex,sharded --shards 32,64 -f
    markdown``, ``lsim compare --workload workloads/read-heavy.yaml --repeat 5``,
    ``lsim compare --engine go --repeat 5``, ``lsim compare --stores mutex --engine
    threads,model,go``.
    """
    from lsim.cli.options import ENGINES
    from lsim.compare import render_report, resolve_format
    from lsim.compare.schedule import (
        compare_variants,
        interleave,
        parse_engines,
        parse_shards,
        parse_stores,
        with_engines,
    )

    out_format = resolve_format(fmt, output)
    check_destination(output)
    engines = parse_engines(engine, ENGINES)
    variants = with_engines(
        compare_variants(
            parse_stores(stores), parse_shards(shards), shards_given=shards is not None
        ),
        engines,
    )
    variants, left_out = runnable_variants(variants, workload, explicit=stores is not None)
    plan = interleave(variants, repeat)
    cells = cells_for(jobs, executor, scheduler, engines)
    args = RunArgs(
        workload,
        threads,
        duration,
        seed,
        census_hz,
        engines[0],
        gomaxprocs,
        goroutines,
        sim_time,
        calibrate,
        quiet,
    )
    experiments = args.experiments(variants)
    folder = run_folder(profiles_dir, "compare", next(iter(experiments.values())).workload.name)
    log = measure("compare", plan, experiments, folder, quiet=quiet, cells=cells)
    report = report_for("compare", log, experiments, repeat, folder)
    report.notes += left_out
    emit(render_report(report, out_format), output)
    if report.profiles_dir:
        note(f"profiles saved to {report.profiles_dir}/")
    from lsim.cli.rescue import finish_schedule

    finish_schedule(log)  # 130 when interrupted; a failed run or unsaved profiles fail
