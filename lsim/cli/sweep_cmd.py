"""``lsim sweep``: the compare measurements along one axis, as a table and a plot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lsim.cli.app import app
from lsim.cli.compare_cmd import (
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
)
from lsim.cli.options import (
    CalibrateOpt,
    CensusOpt,
    DurationOpt,
    EngineOpt,
    QuietOpt,
    SeedOpt,
    SimTimeOpt,
    WorkloadOpt,
)
from lsim.cli.output import check_destination, is_stdout, note
from lsim.cli.terminal import terminal


@app.command("sweep")
def sweep(
    shards: Annotated[
        str | None,
        typer.Option(
            "--shards",
            help="Shard counts to sweep, e.g. 1,2,4,...,256 ('...' continues the "
            "geometric series); with --threads LIST: the one shard count for sharded.",
            show_default="1,2,4,...,256",
        ),
    ] = None,
    threads: Annotated[
        str | None,
        typer.Option(
            "--threads",
            "-t",
            help="Thread counts to sweep, e.g. 100,1000,5000; one value with "
            "--shards LIST: the thread count of every run.",
            show_default=False,
        ),
    ] = None,
    stores: Annotated[
        str | None,
        typer.Option(
            "--stores", help="Designs for a --threads sweep.", show_default="mutex,sharded"
        ),
    ] = None,
    baseline: Annotated[
        bool,
        typer.Option(
            "--baseline/--no-baseline",
            help="A --shards sweep also measures mutex, the "
            "baseline of the ratios and of the document's predictions.",
        ),
    ] = True,
    repeat: RepeatOpt = 5,
    workload: WorkloadOpt = None,
    duration: DurationOpt = None,
    seed: SeedOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Plot file (.png or .svg; needs matplotlib, the plot extra). "
            "Default: sweep.png in the profiles folder when matplotlib is installed.",
            show_default=False,
        ),
    ] = None,
    no_plot: Annotated[bool, typer.Option("--no-plot", help="Write no plot file.")] = False,
    profiles_dir: ProfilesDirOpt = None,
    census_hz: CensusOpt = 100.0,
    engine: EngineOpt = "threads",
    gomaxprocs: Annotated[
        str | None,
        typer.Option(
            "--gomaxprocs",
            metavar="P[,P...]",
            help="Model and go engines: P processors; a list (2,4,8 or 1,2,...,64) makes "
            "it an axis, with --goroutines LIST a grid of both.",
            show_default=False,
        ),
    ] = None,
    goroutines: Annotated[
        str | None,
        typer.Option(
            "--goroutines",
            metavar="N[,N...]",
            help="Model and go engines: goroutines; a list (2000,20000) makes it an axis.",
            show_default=False,
        ),
    ] = None,
    offered: Annotated[
        str | None,
        typer.Option(
            "--offered",
            metavar="LOAD[,LOAD...]",
            help="Offered loads to sweep (the workload's pacing.offered): 0.5x,0.8x,1x,1.2x "
            "= multiples of the workload's own load; also '0.5x mutex' forms (threads "
            "engine) or calls per second (20000,40000). With --gomaxprocs or --goroutines "
            "LIST: a grid.",
            show_default=False,
        ),
    ] = None,
    sim_time: SimTimeOpt = None,
    jobs: JobsOpt = None,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    calibrate: CalibrateOpt = True,
    quiet: QuietOpt = False,
) -> None:
    """Measure along one axis (shards, threads, GOMAXPROCS, goroutines, offered load) or a
    grid of two: a table and a plot (a heat map for a grid).

    The same measurements as `lsim compare`, with a terminal chart when printing to a
    terminal and a PNG/SVG plot file (matplotlib, the optional plot extra).

    Examples: ``lsim sweep --shards 1,2,4,...,256``, ``lsim sweep --threads
    100,1000,5000 --stores mutex,sharded --shards 64``, ``lsim sweep --engine model
    --offered 0.5x,0.8x,1x,1.2x``, ``lsim sweep --engine model --offered 0.5x,1x,2x
    --gomaxprocs 2,4,8 -f csv``.
    """
    from lsim.compare import render_report, resolve_format
    from lsim.compare.plot import (
        INSTALL_HINT,
        check_plot_path,
        plot_available,
        sweep_title,
        write_plot,
    )
    from lsim.compare.schedule import interleave
    from lsim.compare.sweep import chart_data, plan_sweep
    from lsim.errors import IntegrationError

    out_format = resolve_format(fmt, output)
    check_destination(output)
    swept = plan_sweep(shards, threads, stores, baseline, gomaxprocs, goroutines, offered)
    if offered is not None:
        from lsim.compare.offered_axis import check_steps, parse_offered_axis

        check_steps(parse_offered_axis(offered), engine, calibrate)
    if plot is not None:  # fail before a long sweep, not after it
        check_plot_path(plot)
        if not plot_available():
            # reported here rather than raised: the exit status is an integration
            # failure's, and the message comes before any work
            terminal().error(f"--plot: matplotlib is not installed; {INSTALL_HINT}")
            raise typer.Exit(IntegrationError.exit_code)
    plan = interleave(swept.variants, repeat)
    cells = cells_for(jobs, executor, scheduler, (engine,))
    args = RunArgs(
        workload,
        swept.fixed_threads,
        duration,
        seed,
        census_hz,
        engine,
        swept.fixed_gomaxprocs,
        swept.fixed_goroutines,
        sim_time,
        calibrate,
        quiet,
    )
    experiments = args.experiments(swept.variants)
    name = next(iter(experiments.values())).workload.name
    folder = run_folder(profiles_dir, f"sweep-{swept.axis}", name)
    log = measure("sweep", plan, experiments, folder, quiet=quiet, cells=cells)
    report = report_for("sweep", log, experiments, repeat, folder, axis=swept.axis)
    chart = chart_data(report, swept.axis)
    text = render_report(report, out_format)
    grid = swept.axis == "grid"  # no line chart: the table (or -f csv/json) is the grid
    if (not grid and out_format == "text" and is_stdout(output) and terminal().is_terminal()
            and report.rows):  # fmt: skip
        from lsim.compare.termchart import terminal_chart

        text += "\n" + terminal_chart(chart)
    emit(text, output)
    if report.profiles_dir:
        note(f"profiles saved to {report.profiles_dir}/")
    if not no_plot and report.rows:
        if plot is None and not plot_available():
            note(f"no plot file: matplotlib is not installed; {INSTALL_HINT}")
        elif grid:
            from lsim.compare.plot import write_heatmap
            from lsim.compare.sweep import grid_data

            path = write_heatmap(grid_data(report), plot or folder / "sweep.png",
                                 title=f"lsim sweep grid · workload {name}")  # fmt: skip
            note(f"heat map saved to {path}")
        else:
            first = next(iter(experiments.values()))
            w = first.workload
            span = (
                f"{(first.sim_time_s or w.model.sim_time_s) * 1000:g} ms simulated"
                if first.engine == "model"
                else f"{w.run.duration_s:g} s"
            )
            title = sweep_title(swept.axis, name, report.engine, repeat, w.threads.count, span)
            path = write_plot(chart, plot or folder / "sweep.png", title=title)
            note(f"plot saved to {path}")
    from lsim.cli.rescue import finish_schedule

    finish_schedule(log)  # 130 when interrupted; a failed run or unsaved profiles fail
