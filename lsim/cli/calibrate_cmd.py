"""``lsim calibrate``: measure this machine with real Go and write the model's costs file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lsim.cli.app import app


@app.command("calibrate")
def calibrate(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", metavar="FILE", help="Where to write the costs (YAML)."),
    ] = Path("costs.yaml"),
    quick: Annotated[
        bool,
        typer.Option("--quick/--full", help="Fewer repetitions (about 3x faster, noisier)."),
    ] = False,
) -> None:
    """Measure the model's costs on this machine with real Go and write them to a file.

    Runtime micro-benchmarks (spin rounds, cache-line hand-over between two Ps, futex
    wake-ups, usleep, switches, goroutine start and exit, locks, maps) set the scheduler
    and contention costs; one goroutine calling each operation of each design on
    `--engine go` sets the per-call costs (a least-squares fit to the model's own formulas);
    Alloy's BenchmarkHighContention at GOMAXPROCS=1 sets what a fresh goroutine costs.
    Needs the Go toolchain (go >= 1.19) and takes a few minutes. Run it on a quiet machine:
    the file records how many cores other processes kept busy meanwhile
    (`machine.foreign_cores`), and the command says so when that was a quarter core or more.

    Examples:

    * `lsim calibrate --out costs.yaml`
    * `lsim run --engine model --costs costs.yaml`
    * in a workload: `model: {costs: costs.yaml}` (relative to the workload file)
    """
    from lsim.cli.output import note
    from lsim.cli.terminal import terminal
    from lsim.engine.machine import is_noisy
    from lsim.engine.model.calibrate import calibrate as run_calibration
    from lsim.engine.model.calibrate import write_costs_file

    def progress(what: str) -> None:
        terminal().progress(f"calibrate: {what}")

    cal = run_calibration(quick=quick, progress=progress)
    write_costs_file(cal, out)
    width = max(len(k) for k in cal.costs)
    # a few costs are sizes (map entries, goroutines the caches hold), not times
    lines = [f"{name:<{width}}  {value:>10,.1f} {'ns' if name.endswith('_ns') else '  '}  "
             f"{cal.sources.get(name, 'default')}"
             for name, value in cal.costs.items()]  # fmt: skip
    terminal().data("\n".join(lines))
    worst = max((abs(c["model_ns"] - c["measured_ns"]) / c["measured_ns"], k)
                for k, c in cal.cells.items() if c["measured_ns"] > 0)  # fmt: skip
    note(f"wrote {out}; the fit's largest miss is {worst[0]:.0%} ({worst[1]}); "
         f"use it with --costs {out}")  # fmt: skip
    foreign = cal.machine.get("foreign_cores")
    if is_noisy(foreign):
        note(f"other processes kept {foreign:.2f} cores busy while it measured (the file says "
             "so): the figures are slower than this machine's own; run it again when the "
             "machine is quiet")  # fmt: skip
