"""The parts ``lsim compare`` and ``lsim sweep`` share: their table and cell flags, one
experiment per variant (every flag error shows before the first run), the one overall
progress bar over the sequential or parallel runner with profiles saved per run, and the
report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lsim.cli.output import write_data

if TYPE_CHECKING:
    from lsim.compare.report import ComparisonReport
    from lsim.compare.runner import RunLog
    from lsim.compare.schedule import Slot, Variant
    from lsim.engine.spec import Experiment

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
    from lsim.cli.resolve import load_workload_or_default
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
