"""``lsim profile``: run and save a profile; ``show`` renders one (``diff``, comparing two,
is in ``lsim.cli.profile_diff_cmd``)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from lsim.cli.app import app, sub_app
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
from lsim.cli.output import Formats, check_destination, is_stdout, note, write_data

# lsim.render.stacks.DEFAULT_GO_VERSION, spelled out so --help imports no renderer
# (tests/render/test_gorelease.py checks that the two agree)
HELP_GO_VERSION = "1.26"

PROFILE_HELP = """Run an experiment like `lsim run` and save its lock-wait profile; `show`
renders a saved one, `diff` compares two.

The output follows -f, else -o's suffix (`p.pb.gz` is pprof, `p.svg` a flame graph, `p.json`
the profile itself), else the summary on stdout. The profile is saved under profiles/ unless
-o is its JSON.

Examples:

* `lsim profile --store mutex -o mutex.pb.gz && go tool pprof -top mutex.pb.gz`
* `lsim profile --shards 64 -f goroutines | less`
* `lsim profile -o mutex.json -q && lsim profile show mutex.json -o flame.svg`
* `lsim profile diff mutex.json sharded.json`
"""
profile_app = sub_app(
    "profile", help=PROFILE_HELP, invoke_without_command=True, no_args_is_help=False
)
app.add_typer(profile_app, name="profile")

DEFAULT_DIR = Path("profiles")

# Profile formats are the renderer registry's (lsim.render); their names and suffixes are
# spelled out here so that declaring the options imports no renderer (start-up time).
# tests/cli/test_output_rule.py checks them against the registry.
PROFILE_FORMAT_NAMES = (
    "summary",
    "goroutines",
    "goroutines1",
    "pprof",
    "pprof-goroutine",
    "pprof-block",
    "pprof-mutex",
    "folded",
    "svg",
    "speedscope",
    "json",
    "go-dump",
    "go-pprof-block",
    "go-pprof-mutex",
    "go-pprof-goroutine",
)


def profile_formats(command: str) -> Formats:
    from lsim.render import RENDERER_NAMES, SUFFIXES

    return Formats(command, RENDERER_NAMES, "summary", SUFFIXES)


def complete_profile_format() -> list[str]:
    return list(PROFILE_FORMAT_NAMES)


ProfileFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help=f"Output format: {', '.join(PROFILE_FORMAT_NAMES)} (default: from -o's suffix, "
        "else summary).",
        autocompletion=complete_profile_format,
        show_default=False,
    ),
]


def safe_name(name: str, limit: int = 80) -> str:
    """A workload name as a file-name part: safe characters, never too long for a file."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")[:limit].strip("-.") or "workload"


def default_profile_path(store_label: str, workload_name: str, when: dt.datetime) -> Path:
    return DEFAULT_DIR / f"{store_label}-{safe_name(workload_name)}-{when:%Y%m%d-%H%M%S}.json"


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
            metavar="FILE",
            help="Write the -f format here ('-' = stdout, the default). A JSON -o is the "
            "saved profile itself; otherwise the profile is also saved under profiles/.",
        ),
    ] = None,
    fmt: ProfileFormatOpt = None,
    census_hz: CensusOpt = 100.0,
    engine: EngineOpt = "threads",
    gomaxprocs: GomaxprocsOpt = None,
    goroutines: GoroutinesOpt = None,
    sim_time: SimTimeOpt = None,
    costs: CostsOpt = None,
    py_spy: Annotated[
        bool,
        typer.Option(
            "--py-spy/--no-py-spy",
            help="Also record the experiment with py-spy "
            "(flame graph SVG + folded), at most 4,096 threads.",
        ),
    ] = False,
    py_spy_dump: Annotated[
        bool,
        typer.Option(
            "--py-spy-dump/--no-py-spy-dump", help="Save one `py-spy dump --json` snapshot."
        ),
    ] = False,
    yappi: Annotated[
        bool,
        typer.Option(
            "--yappi/--no-yappi",
            help="Run yappi (wall clock) in the experiment process; "
            "a short calibration run measures its overhead.",
        ),
    ] = False,
    calibrate: CalibrateOpt = True,
    quiet: QuietOpt = False,
) -> None:
    """Run an experiment and save its profile (the group's help is ``PROFILE_HELP``)."""
    if ctx.invoked_subcommand is not None:
        return
    from lsim.cli.execute import prepare
    from lsim.cli.profiling import run_with_integrations
    from lsim.cli.rescue import finish_run, save_profile_or_keep
    from lsim.cli.resolve import named_flag
    from lsim.render import get_renderer

    if fmt is not None:
        with named_flag("--format"):
            get_renderer(fmt)  # fail on a bad format before running anything
    name = profile_formats("lsim profile").resolve(fmt, output)
    renderer = get_renderer(name)
    check_destination(output, binary=renderer.binary)
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
        costs=costs,
        calibrate=calibrate,
        quiet=quiet,
    )
    when = dt.datetime.now()
    output_is_profile = name == "json" and not is_stdout(output)
    default = default_profile_path(experiment.store_label, experiment.workload.name, when)
    if output_is_profile:
        assert output is not None
        path = output
    else:
        from lsim.atomicio import check_directory

        path = default
        check_directory(path.parent, "profile folder")  # before the run, not after it
    profile_data = run_with_integrations(
        experiment,
        path.with_suffix(""),
        py_spy=py_spy,
        py_spy_dump=py_spy_dump,
        yappi=yappi,
        quiet=quiet,
    )
    # Saved first, and kept elsewhere if that fails; the error is raised once all is out.
    saved, save_error = save_profile_or_keep(profile_data, path, beside=default)
    if name == "summary":
        from lsim.cli.output import emit_text_report

        emit_text_report(profile_data, output)  # rich on a terminal, like lsim run
    elif not output_is_profile:
        write_data(renderer.render(profile_data), output, what=name)
    if saved is not None:
        note(f"profile saved to {saved}")
    for line in integration_lines(profile_data.integrations):
        note(line)
    if save_error is not None:
        raise save_error
    finish_run(profile_data)  # exit 130 when interrupted, fail when a worker failed


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


@profile_app.command("show")
def show(
    file: Annotated[
        Path, typer.Argument(help="A saved profile (JSON), or a goroutine dump.", metavar="FILE")
    ],
    fmt: ProfileFormatOpt = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write to this file ('-' = stdout)."),
    ] = None,
    go_version: Annotated[
        str | None,
        typer.Option(
            "--go-version",
            help=(
                "Go release whose dump and profile formats to imitate (default "
                f"{HELP_GO_VERSION}, what Alloy builds with; 1.19, 1.25 and 1.26 are checked "
                "against real Go; 1.19 prints [semacquire] and its own mutex-profile accounting)."
            ),
        ),
    ] = None,
) -> None:
    """Render a saved profile in any format (pprof for `go tool pprof`, svg, folded, ...).

    The format follows -f, else -o's suffix, else summary. Binary formats (pprof) go to
    stdout when it is a pipe or a file.

    Examples:

    * `lsim profile show p.json -f pprof | go tool pprof -top /dev/stdin`
    * `lsim profile show p.json -o flame.svg`
    * `lsim profile show p.json -f goroutines --go-version 1.19`
    """
    from lsim.analyze.loader import load_profile_or_dump as load_profile  # or a dump (#13)
    from lsim.cli.resolve import named_flag
    from lsim.render import get_renderer

    if fmt is not None:
        with named_flag("--format"):
            get_renderer(fmt)  # the registry's message: unknown format, the known ones
    name = profile_formats("lsim profile show").resolve(fmt, output)
    if go_version is not None:
        from lsim.render.stacks import parse_go_version

        with named_flag("--go-version"):
            parse_go_version(go_version)  # checked even where the format does not use it
    options = {"go_version": go_version} if go_version and _accepts_go_version(name) else {}
    renderer = get_renderer(name, **options)
    check_destination(output, binary=renderer.binary)
    loaded = load_profile(file)
    write_data(renderer.render(loaded), output, what=name)


def _accepts_go_version(fmt: str) -> bool:
    return fmt.startswith(("goroutines", "pprof", "folded", "speedscope", "svg"))
