"""``lsim compare``: every design on the same workload and seed, repeated and interleaved.

Also the parts ``lsim sweep`` shares: building one experiment per variant (so every flag
error shows before the first run), the one overall progress bar, the sequential runner with
profiles saved per run, and writing the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lsim.cli.app import app
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
from lsim.cli.output import check_destination, note, write_data

if TYPE_CHECKING:
    from lsim.compare.report import ComparisonReport
    from lsim.compare.runner import RunLog
    from lsim.compare.schedule import Slot, Variant
    from lsim.engine.spec import Experiment

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
RepeatOpt = Annotated[
    int,
    typer.Option(
        "--repeat",
        "-r",
        help="Repetitions per design, run interleaved "
        "(A B C A B C ...) so drift hits every design alike.",
    ),
]
# lsim.compare.FORMATS, spelled out so declaring the option imports nothing heavy
# (tests/cli/test_output_rule.py checks they agree)
TABLE_FORMATS = ("text", "json", "markdown", "csv")
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="|".join(TABLE_FORMATS),
        help="Table format (default: from -o's suffix, else text).",
        autocompletion=lambda: list(TABLE_FORMATS),
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", metavar="FILE", help="Write the table to this file ('-' = stdout)."
    ),
]
ProfilesDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--profiles-dir",
        help="Where to save every run's profile (default: profiles/COMMAND-WORKLOAD-TIME/).",
        show_default=False,
    ),
]

JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        help="Cells run at once (--engine model only; identical results to --jobs 1). "
        "Default: the number of cores for the model engine, 1 for the others.",
        show_default=False,
    ),
]
ExecutorOpt = Annotated[
    str,
    typer.Option(
        "--executor",
        metavar="local|dask",
        help="Where --engine model cells run: local processes, or a Dask cluster (the dask "
        "extra; --scheduler ADDRESS, else a LocalCluster of --jobs workers).",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="The Dask scheduler for --executor dask, e.g. tcp://10.0.0.5:8786.",
        show_default=False,
    ),
]


@dataclass(frozen=True)
class Cells:
    """How a schedule's cells run: one at a time, or ``jobs`` at once on ``executor``."""

    jobs: int = 1
    executor: str = "local"
    scheduler: str | None = None

    @property
    def parallel(self) -> bool:
        return self.jobs > 1 or self.executor != "local"


def cells_for(jobs: int | None, executor: str, scheduler: str | None,
              engines: Sequence[str]) -> Cells:  # fmt: skip
    """Check ``--jobs/--executor/--scheduler`` against the engines, before any run."""
    from lsim.compare.cells import resolve_jobs

    return Cells(resolve_jobs(jobs, engines, executor, scheduler), executor, scheduler)


@dataclass(frozen=True)
class RunArgs:
    """The flags every variant shares, passed through to ``prepare``."""

    workload: Path | None
    threads: int | None
    duration: float | None
    seed: int | None
    census_hz: float
    engine: str
    gomaxprocs: int | None
    goroutines: int | None
    sim_time: str | None
    calibrate: bool = True
    quiet: bool = False

    def experiments(self, variants: Sequence[Variant]) -> dict[Variant, Experiment]:
        """One experiment per variant, all validated before anything runs."""
        from lsim.cli.execute import prepare

        out = {}
        for v in variants:
            engine = v.engine or self.engine
            goroutines = v.threads if engine == "model" and v.threads else self.goroutines
            out[v] = prepare(
                "profile",
                self.workload,
                v.store,
                v.shards,
                v.threads or self.threads,
                self.duration,
                self.seed,
                self.census_hz,
                engine,
                v.gomaxprocs or self.gomaxprocs,
                goroutines,
                self.sim_time,
                calibrate=self.calibrate,
                quiet=self.quiet,
                offered=v.offered,
            )
        return out


def runnable_variants(
    variants: Sequence[Variant], workload: Path | None, *, explicit: bool
) -> tuple[list[Variant], list[str]]:
    """The default set without directfanout on a mix workload (asked for by name, it fails
    with its reason instead), and the note saying so."""
    from lsim.cli.options import load_workload_or_default
    from lsim.stores import calls_of
    from lsim.workload.model import PipelineSpec

    if explicit or isinstance(load_workload_or_default(workload).behaviour, PipelineSpec):
        return list(variants), []
    kept = [v for v in variants if calls_of(v.store) != "fanout"]
    if len(kept) == len(variants):
        return kept, []
    return kept, [
        "directfanout left out: this mix workload draws labelstore calls, which direct "
        "fanout never makes (its labelstore is disabled); it runs pipeline workloads."
    ]


def run_folder(profiles_dir: Path | None, command: str, workload: str) -> Path:
    from lsim.cli.profile_cmd import DEFAULT_DIR

    if profiles_dir is not None:
        return profiles_dir
    from lsim.cli.profile_cmd import safe_name

    return DEFAULT_DIR / f"{command}-{safe_name(workload)}-{dt.datetime.now():%Y%m%d-%H%M%S}"


def measure(
    command: str,
    plan: Sequence[Slot],
    experiments: dict[Variant, Experiment],
    folder: Path,
    *,
    quiet: bool = False,
    cells: Cells | None = None,
) -> RunLog:
    """Run ``plan`` under one progress display; profiles go to ``folder``. One run at a time,
    or (``cells.parallel``, model engine) several cells at once with the same results."""
    from lsim.atomicio import check_directory

    check_directory(folder, "--profiles-dir")  # before the first run, not after it
    # one local cell gains nothing from a worker process: it runs here, with the richer bar
    if cells is not None and cells.parallel and (cells.executor != "local" or len(plan) > 1):
        from lsim.cli.progress import CellsProgress
        from lsim.compare.cells import run_cells

        jobs = min(cells.jobs, len(plan))
        with CellsProgress(command, len(plan), jobs, quiet=quiet) as cells_bar:
            return run_cells(plan, experiments, jobs=jobs, executor=cells.executor,
                             scheduler=cells.scheduler, save_dir=folder,
                             on_done=cells_bar.done)  # fmt: skip
    from lsim.cli.execute import describer, expected_seconds
    from lsim.cli.progress import ScheduleProgress
    from lsim.compare.runner import run_plan
    from lsim.engine.run import run_experiment

    expected = {v: expected_seconds(e) for v, e in experiments.items()}
    describe = {v: describer(e) for v, e in experiments.items()}
    with ScheduleProgress(command, plan, expected, describe, quiet=quiet) as bar:
        return run_plan(
            plan,
            lambda slot: run_experiment(experiments[slot.variant], bar.status),
            save_dir=folder,
            on_start=bar.start,
            on_done=bar.done,
        )


def report_for(
    command: str,
    log: RunLog,
    experiments: dict[Variant, Experiment],
    repeat: int,
    folder: Path,
    axis: str | None = None,
) -> ComparisonReport:
    from lsim.compare.report import build_report

    first = next(iter(experiments.values()))
    engines = ",".join(dict.fromkeys(e.engine for e in experiments.values()))
    saved = folder if log.finished or log.cut_short else None
    return build_report(
        command,
        log,
        workload=first.workload.name,
        seed=first.seed,
        engine=engines,
        repeat=repeat,
        axis=axis,
        profiles_dir=None if saved is None else str(saved),
    )


def emit(text: str, output: Path | None) -> None:
    """The table to stdout (no -o, or -o -) or, whole, to the file (lsim.cli.output)."""
    write_data(text, output)


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
