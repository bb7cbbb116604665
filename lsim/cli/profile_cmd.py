"""``lsim profile``: run and save a profile; ``show`` renders one, ``diff`` compares two."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from lsim.cli.app import app, stderr
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

profile_app = typer.Typer(
    help="Run an experiment and save its lock-wait profile (or show / diff saved ones).",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(profile_app, name="profile")

DEFAULT_DIR = Path("profiles")


def default_profile_path(store_label: str, workload_name: str, when: dt.datetime) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", workload_name).strip("-") or "workload"
    return DEFAULT_DIR / f"{store_label}-{safe}-{when:%Y%m%d-%H%M%S}.json"


@profile_app.callback()
def profile(
    ctx: typer.Context,
    workload: WorkloadOpt = None,
    store: StoreOpt = None,
    shards: ShardsOpt = None,
    threads: ThreadsOpt = None,
    duration: DurationOpt = None,
    seed: SeedOpt = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to save the profile JSON (default: profiles/STORE-WORKLOAD-TIME.json).",
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="Also print the profile in this format "
            "(summary, goroutines, goroutines1, folded, json, ...).",
        ),
    ] = "summary",
    census_hz: CensusOpt = 100.0,
    engine: EngineOpt = "threads",
    gomaxprocs: GomaxprocsOpt = None,
    goroutines: GoroutinesOpt = None,
    sim_time: SimTimeOpt = None,
    py_spy: Annotated[
        bool,
        typer.Option(
            "--py-spy",
            help="Also record the experiment with py-spy "
            "(flame graph SVG + folded), at most 4,096 threads.",
        ),
    ] = False,
    py_spy_dump: Annotated[
        bool, typer.Option("--py-spy-dump", help="Save one `py-spy dump --json` snapshot.")
    ] = False,
    yappi: Annotated[
        bool,
        typer.Option(
            "--yappi",
            help="Run yappi (wall clock) in the experiment process; "
            "a short calibration run measures its overhead.",
        ),
    ] = False,
) -> None:
    """Run like `lsim run` and save the profile under profiles/ (see `show` and `diff`)."""
    if ctx.invoked_subcommand is not None:
        return
    from lsim.cli.execute import prepare
    from lsim.cli.profiling import run_with_integrations
    from lsim.profile.model import save_profile
    from lsim.render import get_renderer

    renderer = get_renderer(fmt)  # fail on a bad format before running anything
    experiment = prepare(
        "profile",
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
    when = dt.datetime.now()
    path = output or default_profile_path(experiment.store_label, experiment.workload.name, when)
    profile_data = run_with_integrations(
        experiment, path.with_suffix(""), py_spy=py_spy, py_spy_dump=py_spy_dump, yappi=yappi
    )
    save_profile(profile_data, path)
    _emit(renderer.render(profile_data), fmt)
    stderr.print(f"profile saved to {path}")
    for line in integration_lines(profile_data.integrations):
        stderr.print(line, highlight=False)


def integration_lines(integrations: dict[str, Any]) -> list[str]:
    """Where the profilers' files went, and what went wrong, one line each."""
    lines = []
    spy = integrations.get("py_spy")
    if spy:
        if spy.get("error"):
            lines.append(f"py-spy: {spy['error']}")
        else:
            lines.append(
                f"py-spy record ({spy['rate_hz']} Hz, {spy['snapshots']} snapshots): "
                f"{spy['svg']} and {spy['folded']}"
            )
    dump = integrations.get("py_spy_dump")
    if dump:
        lines.append(
            f"py-spy dump: {dump['error']}"
            if dump.get("error")
            else f"py-spy dump ({dump['threads']} threads): {dump['path']}"
        )
    yappi = integrations.get("yappi")
    if yappi:
        lost = yappi.get("overhead", {}).get("throughput_lost")
        cost = f", cost {lost:.0%} of throughput" if lost is not None else ""
        lines.append(f"yappi (wall clock{cost}): {yappi.get('pstat')} and {yappi.get('callgrind')}")
    return lines


def _emit(rendered: str | bytes, fmt: str) -> None:
    if isinstance(rendered, bytes):
        stderr.print(f"format {fmt} is binary: use `lsim profile show FILE -f {fmt} -o OUT`")
        return
    typer.echo(rendered, nl=not rendered.endswith("\n"))


@profile_app.command("show")
def show(
    file: Annotated[Path, typer.Argument(help="A saved profile (JSON).")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="summary, goroutines, goroutines1, pprof, "
            "pprof-goroutine, pprof-block, pprof-mutex, folded, speedscope, json "
            "(default: from -o's suffix, else summary).",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    go_version: Annotated[
        str | None,
        typer.Option(
            "--go-version",
            help="Go version whose dump format to imitate (1.19 prints [semacquire]).",
        ),
    ] = None,
) -> None:
    """Render a saved profile in any format (pprof for `go tool pprof`, folded, ...)."""
    from lsim.profile.model import load_profile
    from lsim.render import get_renderer, renderer_for_path

    options = {"go_version": go_version} if go_version else {}
    if fmt is not None:
        renderer = get_renderer(fmt, **options) if _accepts_go_version(fmt) else get_renderer(fmt)
    elif output is not None:
        renderer = renderer_for_path(output)
    else:
        renderer = get_renderer("summary")
    loaded = load_profile(file)
    rendered = renderer.render(loaded)
    if output is not None:
        if isinstance(rendered, bytes):
            output.write_bytes(rendered)
        else:
            output.write_text(rendered)
        stderr.print(f"wrote {output}")
    elif isinstance(rendered, bytes):
        from lsim.errors import ConfigError

        raise ConfigError(f"format {renderer.name} is binary; give -o FILE", source="--format")
    else:
        typer.echo(rendered, nl=not rendered.endswith("\n"))


def _accepts_go_version(fmt: str) -> bool:
    return fmt.startswith(("goroutines", "pprof", "folded", "speedscope"))


@profile_app.command("diff")
def diff(
    before: Annotated[Path, typer.Argument(help="Baseline profile (e.g. mutex).")],
    after: Annotated[Path, typer.Argument(help="Profile to compare (e.g. sharded).")],
) -> None:
    """Per operation and lock: change in blocked threads, wait time and throughput."""
    from lsim.profile.diff import diff_profiles
    from lsim.profile.model import load_profile
    from lsim.render.diff import render_diff

    text = render_diff(diff_profiles(load_profile(before), load_profile(after)))
    typer.echo(text, nl=not text.endswith("\n"))
