"""``lsim analyze FILE...``: read real goroutine dumps and print the reference document's table."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from lsim.cli.app import app
from lsim.cli.output import Formats, check_destination, write_data

ANALYZE_FORMATS = Formats(
    "lsim analyze",
    ("text", "markdown", "json", "profile"),
    "text",
    {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".json": "json"},
)
StoreMethodOpt = Annotated[
    str | None,
    typer.Option(
        "--store-method",
        metavar="REGEX",
        help="Frames that are the store: a regex on the function name; a (?P<method>...) "
        "group names the operation (default: exported methods of a `labelstore` package's "
        "types: Alloy's Service, the sharded service, lsim's Go program).",
        show_default=False,
    ),
]
LockOpt = Annotated[
    str | None,
    typer.Option(
        "--lock",
        metavar="REGEX",
        help="Frames that are the lock, between the leaf and the store frame (default: "
        "sync.(*Mutex).Lock, sync.(*RWMutex).RLock/Lock, internal/sync's).",
        show_default=False,
    ),
]


def _command(files: list[Path], store_method: str | None, lock: str | None) -> str:
    parts = ["lsim", "analyze", *map(str, files)]
    if store_method:
        parts += ["--store-method", store_method]
    if lock:
        parts += ["--lock", lock]
    return shlex.join(parts)


@app.command("analyze")
def analyze(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Goroutine dumps: debug=2 (runtime.Stack, ?debug=2, SIGQUIT, a panic) or "
            "debug=1, plain or gzip.",
            metavar="FILE...",
            show_default=False,
        ),
    ],
    store_method: StoreMethodOpt = None,
    lock: LockOpt = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar=ANALYZE_FORMATS.metavar,
            help="text, markdown, json (the numbers), or profile (an lsim profile JSON for "
            "`lsim profile show` / `diff`). Default: from -o's suffix, else text.",
            autocompletion=lambda: list(ANALYZE_FORMATS.names),
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write to this file ('-' = stdout)."),
    ] = None,
    source: Annotated[
        bool,
        typer.Option(
            "--source/--no-source",
            help="Name a lock by the source line that locks it (`s.globalMut.RLock()`) "
            "when that file is on this machine.",
        ),
    ] = True,
) -> None:
    """Read Go goroutine dumps: goroutines blocked per store method and lock, share, total.

    Prints the reference document's table for each dump, the states of the other
    goroutines (in the store but not blocked, outside it, on other locks), the wait ages,
    and across several dumps the p10/p50/p90. Any Go service works with --store-method and
    --lock. `-f profile` writes the same profile type the engines write, so
    `lsim profile show` and `lsim profile diff` read it (they also take a dump directly).

    Examples: `lsim analyze goroutines.txt`, `lsim analyze dump1.txt dump2.txt.gz -f json`,
    `lsim analyze prod.txt -f profile -o prod.json`, `lsim profile diff prod.txt sim.json`,
    `lsim analyze dump.txt --store-method 'mypkg\\.\\(\\*Cache\\)\\.(?P<method>\\w+)$'`.
    """
    from lsim.analyze.census import analyze_files

    out_format = ANALYZE_FORMATS.resolve(fmt, output)
    check_destination(output)
    analysis = analyze_files(files, store_method, lock, read_source=source)
    if out_format == "profile":
        import json

        from lsim.analyze.profile import analysis_profile

        profile = analysis_profile(analysis, command=_command(files, store_method, lock))
        text = json.dumps(profile.to_dict(), indent=1, sort_keys=True) + "\n"
        write_data(text, output, what="profile")
        return
    from lsim.analyze.report import analysis_dict, render_markdown, render_text

    data = analysis_dict(analysis)
    if out_format == "json":
        import json

        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    elif out_format == "markdown":
        text = render_markdown(data)
    else:
        text = render_text(data)
    write_data(text, output, what=out_format)
