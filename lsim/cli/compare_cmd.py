"""``lsim compare``: every design on the same workload and seed, repeated and interleaved.

Also the parts ``lsim sweep`` shares: building one experiment per variant (so every flag
error shows before the first run), the one overall progress bar, the sequential runner with
profiles saved per run, and writing the report.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lsim.cli.app import app, stderr
from lsim.cli.options import (
    CensusOpt,
    DurationOpt,
    EngineOpt,
    GomaxprocsOpt,
    GoroutinesOpt,
    SeedOpt,
    SimTimeOpt,
    ThreadsOpt,
    WorkloadOpt,
)

if TYPE_CHECKING:
    from lsim.compare.report import ComparisonReport
    from lsim.compare.runner import RunLog
    from lsim.compare.schedule import Slot, Variant
    from lsim.engine.spec import Experiment
    from lsim.engine.threads import RunStatus

EXIT_INTERRUPTED = 130

StoresOpt = Annotated[
    str | None,
    typer.Option(
        "--stores",
        help="Comma-separated designs (default: all seven): mutex, "
        "rwmutex, finegrained, sharded, syncmap, percomponent, lockfree.",
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
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="text, json, markdown or csv (default: from -o's suffix, else text).",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the table to this file.")
]
ProfilesDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--profiles-dir",
        help="Where to save every run's profile (default: profiles/COMMAND-WORKLOAD-TIME/).",
        show_default=False,
    ),
]


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

    def experiments(self, variants: Sequence[Variant]) -> dict[Variant, Experiment]:
        """One experiment per variant, all validated before anything runs."""
        from lsim.cli.execute import prepare

        out = {}
        for v in variants:
            goroutines = v.threads if self.engine == "model" and v.threads else self.goroutines
            out[v] = prepare(
                "profile",
                self.workload,
                v.store,
                v.shards,
                v.threads or self.threads,
                self.duration,
                self.seed,
                self.census_hz,
                self.engine,
                self.gomaxprocs,
                goroutines,
                self.sim_time,
            )
        return out


def run_folder(profiles_dir: Path | None, command: str, workload: str) -> Path:
    from lsim.cli.profile_cmd import DEFAULT_DIR

    if profiles_dir is not None:
        return profiles_dir
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", workload).strip("-") or "workload"
    return DEFAULT_DIR / f"{command}-{safe}-{dt.datetime.now():%Y%m%d-%H%M%S}"


class OverallProgress:
    """One bar for the whole schedule on stderr (only on a terminal), weighted by the
    expected seconds of each run; the text names the current design and repetition."""

    def __init__(self, command: str, plan: Sequence[Slot], expected: dict[Variant, float]):
        from rich.console import Console

        self.command, self.plan, self.expected = command, plan, expected
        self.console = Console(stderr=True)
        self.enabled = self.console.is_terminal and sys.stderr.isatty()
        self.done_s = 0.0  # expected seconds of the runs already finished
        self.slot: Slot | None = None
        self.bar: Any = None

    def __enter__(self) -> OverallProgress:
        if self.enabled:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[detail]}"),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            total = sum(self.expected[s.variant] for s in self.plan) or 1.0
            self.task = self.bar.add_task(self.command, total=total, detail="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def start(self, slot: Slot) -> None:
        self.slot = slot
        if self.bar is not None:
            text = (
                f"{self.command} {slot.index + 1}/{len(self.plan)} · {slot.variant.label}"
                f" · repetition {slot.repetition}/{slot.repeat}"
            )
            self.bar.update(self.task, description=text, completed=self.done_s, detail="")

    def status(self, status: RunStatus) -> None:
        if self.bar is None or self.slot is None:
            return
        expected = self.expected[self.slot.variant]
        part = (
            status.fraction * expected
            if status.fraction is not None
            else min(status.elapsed_s, expected)
        )
        detail = (
            f"{status.phase} · {status.ops_per_s:,.0f} ops/s · blocked {status.blocked_share:.0%}"
        )
        self.bar.update(self.task, completed=self.done_s + part, detail=detail)

    def done(self, slot: Slot) -> None:
        self.done_s += self.expected[slot.variant]
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done_s)


def measure(
    command: str, plan: Sequence[Slot], experiments: dict[Variant, Experiment], folder: Path
) -> RunLog:
    """Run ``plan`` one run at a time under one progress bar; profiles go to ``folder``."""
    from lsim.cli.execute import expected_seconds
    from lsim.compare.runner import run_plan
    from lsim.engine.run import run_experiment

    expected = {v: expected_seconds(e) for v, e in experiments.items()}
    with OverallProgress(command, plan, expected) as bar:
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
    saved = folder if log.finished or log.cut_short else None
    return build_report(
        command,
        log,
        workload=first.workload.name,
        seed=first.seed,
        engine=first.engine,
        repeat=repeat,
        axis=axis,
        profiles_dir=None if saved is None else str(saved),
    )


def note(text: str) -> None:
    """A diagnostic line on stderr, never wrapped (paths must stay copyable)."""
    stderr.print(text, soft_wrap=True, highlight=False, markup=False)


def emit(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    note(f"wrote {output}")


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
    repeat: RepeatOpt = 3,
    threads: ThreadsOpt = None,
    duration: DurationOpt = None,
    seed: SeedOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    profiles_dir: ProfilesDirOpt = None,
    census_hz: CensusOpt = 100.0,
    engine: EngineOpt = "threads",
    gomaxprocs: GomaxprocsOpt = None,
    goroutines: GoroutinesOpt = None,
    sim_time: SimTimeOpt = None,
) -> None:
    """Measure every design on one workload, repeated and interleaved, beside the predictions.

    Each design runs on the same workload and seed, one run at a time, --repeat times in
    interleaved order. The table shows throughput, p99, blocked shares, the reduction versus
    mutex beside the document's prediction, and a verdict that only claims a win outside
    the noise. Every run's profile is saved (compare any pair with `lsim profile diff`).

    Examples: ``lsim compare``, ``lsim compare --stores mutex,sharded --shards 32,64 -f
    markdown``, ``lsim compare --workload workloads/read-heavy.yaml --repeat 5``.
    """
    from lsim.compare import render_report, resolve_format
    from lsim.compare.schedule import compare_variants, interleave, parse_shards, parse_stores

    out_format = resolve_format(fmt, output)
    variants = compare_variants(
        parse_stores(stores), parse_shards(shards), shards_given=shards is not None
    )
    plan = interleave(variants, repeat)
    args = RunArgs(
        workload, threads, duration, seed, census_hz, engine, gomaxprocs, goroutines, sim_time
    )
    experiments = args.experiments(variants)
    folder = run_folder(profiles_dir, "compare", next(iter(experiments.values())).workload.name)
    log = measure("compare", plan, experiments, folder)
    report = report_for("compare", log, experiments, repeat, folder)
    emit(render_report(report, out_format), output)
    if report.profiles_dir:
        note(f"profiles saved to {report.profiles_dir}/")
    if log.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
