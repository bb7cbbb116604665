"""``lsim profile diff``: two profiles (or goroutine dumps) compared per operation and lock."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from lsim.cli.output import Formats, check_destination, write_data
from lsim.cli.profile_cmd import profile_app
from lsim.cli.terminal import terminal

DIFF_FORMATS = Formats(
    "lsim profile diff",
    ("text", "json", "markdown"),
    "text",
    {".json": "json", ".txt": "text", ".md": "markdown", ".markdown": "markdown"},
)


def mismatch_warnings(before: Any, after: Any) -> list[str]:
    """What makes two profiles measure different things (the diff is still shown)."""
    out = []
    if before.engine != after.engine:
        out.append(
            f"comparing a {before.engine} profile with a {after.engine} profile: the "
            "engines measure different things (real CPython threads, a simulation of Go, "
            "real Go), so the differences are not the design's alone"
        )
    if before.workload_name != after.workload_name:
        out.append(
            f"the profiles ran different workloads ({before.workload_name!r} and "
            f"{after.workload_name!r})"
        )
    return out


@profile_app.command("diff")
def diff(
    before: Annotated[
        Path,
        typer.Argument(
            help="Baseline profile (e.g. mutex), or a goroutine dump.", metavar="BEFORE"
        ),
    ],
    after: Annotated[
        Path,
        typer.Argument(
            help="Profile to compare (e.g. sharded), or a goroutine dump.", metavar="AFTER"
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar=DIFF_FORMATS.metavar,
            help="Output format (default: from -o's suffix, else text).",
            autocompletion=lambda: list(DIFF_FORMATS.names),
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write to this file ('-' = stdout)."),
    ] = None,
) -> None:
    """Per operation and lock: change in blocked threads, wait time and throughput.

    Examples:

    * `lsim profile diff mutex.json sharded.json`
    * `lsim profile diff mutex.json sharded.json -f markdown >> notes.md`
    * `lsim profile diff mutex.json sharded.json -o diff.json`
    """
    from lsim.analyze.loader import load_profile_or_dump as load_profile  # or a dump (#13)
    from lsim.profile.diff import diff_profiles

    out_format = DIFF_FORMATS.resolve(fmt, output)
    check_destination(output)
    first, second = load_profile(before), load_profile(after)
    for line in mismatch_warnings(first, second):
        terminal().warning(line)
    compared = diff_profiles(first, second)
    if out_format == "json":
        import json

        from lsim.render.diff import diff_dict

        text = json.dumps(diff_dict(compared), indent=2, sort_keys=True) + "\n"
    elif out_format == "markdown":
        from lsim.render.diff import render_diff_markdown

        text = render_diff_markdown(compared)
    else:
        from lsim.render.diff import render_diff

        text = render_diff(compared)
    write_data(text, output, what=out_format)
