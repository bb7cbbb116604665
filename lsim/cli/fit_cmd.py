"""``lsim fit``: a model workload whose census reproduces a dump, and every design's prediction."""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from lsim.cli.analyze_cmd import LockOpt, StoreMethodOpt
from lsim.cli.app import app
from lsim.cli.options import QuietOpt, SeedOpt
from lsim.cli.output import Formats, check_destination, note, write_data

FIT_FORMATS = Formats("lsim fit", ("text", "json"), "text", {".txt": "text", ".json": "json"})
PROGRESS_EVERY_S = 10.0


class _Progress:
    """One stderr line when a model run starts and ends, and every ~10 s within a long one."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.t0 = time.monotonic()
        self.next_at = self.t0 + PROGRESS_EVERY_S
        self.phase = ""
        self.runs = 0

    def status(self, phase: str, fraction: float) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if phase != self.phase:
            self.phase = phase
            self.runs += 1
            note(f"fit: model run {self.runs} ({phase}) started, {now - self.t0:.0f} s")
            self.next_at = now + PROGRESS_EVERY_S
        elif now >= self.next_at:
            self.next_at = now + PROGRESS_EVERY_S
            note(f"fit: model run {self.runs} ({phase}) {fraction:.0%}, {now - self.t0:.0f} s")

    def trial(self, trial: Any) -> None:
        if self.quiet:
            return
        p = trial.point
        self.phase = ""  # the next status starts a new run
        note(
            f"fit: run {self.runs} ({trial.phase}, {p.goroutines:,} goroutines, pause "
            f"{p.think_s * 1e3:.3g} ms, {p.sim_time_s * 1e3:.3g} ms simulated): blocked "
            f"{trial.blocked_share:.2%} in {trial.wall_s:.0f} s"
        )


@app.command("fit")
def fit(
    dumps: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Goroutine dumps to reproduce (as `lsim analyze` reads them); or give "
            "--goroutines and --blocked instead.",
            metavar="[DUMP...]",
            show_default=False,
        ),
    ] = None,
    goroutines: Annotated[
        int | None,
        typer.Option(
            "--goroutines",
            help="Without a dump: the goroutine count of the census.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    blocked: Annotated[
        str | None,
        typer.Option(
            "--blocked",
            metavar="OP=N,...",
            help="Without a dump: goroutines blocked per operation, e.g. "
            "GetOrAddGlobalRefID=26070,GetLocalRefID=23810.",
            show_default=False,
        ),
    ] = None,
    other: Annotated[
        int | None,
        typer.Option(
            "--other",
            help="Goroutines that are neither in the store nor its callers (not simulated; "
            "default: from the dump's --callers frames, 0 without a dump).",
            show_default=False,
        ),
    ] = None,
    gomaxprocs: Annotated[
        int | None,
        typer.Option(
            "--gomaxprocs",
            help="P of the process the dump came from (a dump does not say; default: this "
            "machine's cores, as Go's own default).",
            show_default=False,
        ),
    ] = None,
    store: Annotated[
        str, typer.Option("--store", help="The design the dumped process ran.")
    ] = "mutex",
    shards: Annotated[
        int | None, typer.Option("--shards", help="Its shard count (--store sharded).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE.yaml", help="Write the fitted workload."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", metavar="FILE", help="Write the report here, not stdout."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", metavar="text|json", help="Report format.", show_default=False
        ),
    ] = None,  # fmt: skip
    designs: Annotated[
        str | None,
        typer.Option(
            "--designs",
            help="Designs to predict, e.g. mutex,sharded-64 (default: the eight of "
            "`lsim compare`; --designs none for no predictions).",
            show_default=False,
        ),
    ] = None,
    seed: SeedOpt = None,
    store_method: StoreMethodOpt = None,
    lock: LockOpt = None,
    callers: Annotated[
        str | None,
        typer.Option(
            "--callers",
            metavar="REGEX",
            help="Frames of the store's callers (goroutines outside the store with one are "
            "simulated; the rest are --other). Default: Alloy's scrape loop, lsim's Go workers.",
            show_default=False,
        ),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Back-solve a model workload whose census reproduces a dump, then predict every design.

    Fits the goroutine count, the operation mix and the offered load per goroutine (a pause
    after each call) with a few model runs (coarse, then at the dump's goroutine count),
    prints the fit quality, writes the workload (-o) and prints the model's prediction for
    every design on it, beside the reference document's estimates. Deterministic from
    --seed.

    Examples: `lsim fit goroutines.txt --gomaxprocs 64 -o fitted.yaml`, `lsim fit
    --goroutines 53998 --blocked GetOrAddGlobalRefID=26070,GetLocalRefID=23810
    --gomaxprocs 64`, `lsim run --engine model --workload fitted.yaml --store sharded`.
    """
    from lsim.errors import ConfigError
    from lsim.fit.predict import parse_designs, predict
    from lsim.fit.report import render_text, result_dict
    from lsim.fit.search import fit as run_fit
    from lsim.fit.target import parse_blocked, target_from_analysis, target_from_numbers
    from lsim.fit.workload import workload_yaml
    from lsim.stores import STORE_NAMES

    out_format = FIT_FORMATS.resolve(fmt, report)
    if output is not None:
        from lsim.atomicio import check_writable

        check_writable(output, "--output")
    check_destination(report)
    if store not in STORE_NAMES:
        raise ConfigError(f"unknown store {store!r}; known: {', '.join(STORE_NAMES)}",
                          source="--store")  # fmt: skip
    if store == "sharded" and shards is None:
        shards = 64
    if shards is not None and (store != "sharded" or not 1 <= shards <= 256):
        raise ConfigError("1..256, with --store sharded", source="--shards")
    procs = gomaxprocs if gomaxprocs is not None else (os.cpu_count() or 1)
    if not 1 <= procs <= 4096:
        raise ConfigError(f"must be 1..4096 (got {procs})", source="--gomaxprocs")
    chosen = () if designs == "none" else parse_designs(designs)
    notes: list[str] = []
    if dumps:
        if goroutines is not None or blocked is not None:
            raise ConfigError("give dumps or --goroutines/--blocked, not both", source="--blocked")
        from lsim.analyze.census import analyze_files

        analysis = analyze_files(dumps, store_method, lock, callers=callers)
        target = target_from_analysis(analysis, source=", ".join(map(str, dumps)))
        if other is not None:
            target = type(target)(target.goroutines, target.blocked, target.in_store, other,
                                  target.source)  # fmt: skip
        else:
            notes += target.notes
    else:
        if goroutines is None or blocked is None:
            raise ConfigError("give a dump, or both --goroutines and --blocked",
                              source="lsim fit")  # fmt: skip
        target = target_from_numbers(goroutines, parse_blocked(blocked), other or 0)
    if gomaxprocs is None:
        notes.append(f"GOMAXPROCS {procs} (this machine's cores): give --gomaxprocs for the "
                     "dumped process's P")  # fmt: skip
    seed_value = 1 if seed is None else seed
    progress = _Progress(quiet)
    result = run_fit(target, store=store, shards=shards, gomaxprocs=procs, seed=seed_value,
                     status=progress.status, on_trial=progress.trial)  # fmt: skip
    assert result.best is not None
    predictions = (
        predict(target, result.best.point, result.best.hold_s, chosen, status=progress.status)
        if chosen else []
    )  # fmt: skip
    command = shlex.join(["lsim", "fit", *sys.argv[2:]]) if len(sys.argv) > 2 else "lsim fit"
    data = result_dict(result, predictions, {"notes": notes, "command": command})
    if output is not None:
        from lsim.atomicio import write_atomic

        q = data["quality"]
        header = [
            f"fitted by: {command}",
            f"target: {target.goroutines:,} goroutines, {target.blocked_share:.2%} blocked "
            f"({target.source}); the model at {q['goroutines']:,}: "
            f"{q['blocked']['model']:.2%} (total-variation distance {q['total_variation']:.4f})",
        ]
        if target.other:
            header.append(f"plus {target.other:,} goroutines outside the store, not simulated")
        header.append("run it: lsim run --engine model --workload THIS_FILE [--store DESIGN]")
        write_atomic(output, workload_yaml(result.best.point, header,
                                           description="fitted by lsim fit"))  # fmt: skip
        note(f"wrote {output} (fitted workload)")
    if out_format == "json":
        import json

        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    else:
        text = render_text(data, str(output) if output else None)
    write_data(text, report, what=out_format)
