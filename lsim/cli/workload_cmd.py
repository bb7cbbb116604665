"""``lsim workload validate|show|new``: check, inspect and start workload files.

``FILE`` may also be ``builtin`` or ``builtin:NAME`` (the workload used when a command gets
no ``--workload``). Data goes to stdout, messages to stderr; mistakes raise ``LsimError``,
which ``lsim.cli.app.main`` prints as one line with exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lsim.cli.app import app, sub_app
from lsim.cli.options import int_flag
from lsim.cli.output import Formats, check_destination, is_stdout, note, write_data
from lsim.cli.terminal import terminal
from lsim.errors import ConfigError

if TYPE_CHECKING:
    from lsim.workload.model import Workload

workload_app = sub_app(
    "workload",
    help="Check, inspect and start workload files (YAML).\n\n"
    "Examples:\n\n"
    "* `lsim workload validate workloads/read-heavy.yaml`\n"
    "* `lsim workload show builtin -f json`\n"
    "* `lsim workload new mine`",
)
app.add_typer(workload_app, name="workload")

MAX_WALKED_STEPS = 50_000_000  # workload show: about a minute of plan walking
SHOW_FORMATS = Formats(
    "lsim workload show", ("text", "json"), "text", {".json": "json", ".txt": "text"}
)
FileArg = Annotated[
    str, typer.Argument(metavar="FILE", help="A workload YAML file, or builtin[:NAME].")
]


def _resolve(ref: str) -> Workload:
    from lsim.workload.load import resolve_workload

    return resolve_workload(ref)


@workload_app.command("validate")
def validate(file: FileArg) -> None:
    """Load FILE and report whether it is a valid workload.

    Examples:

    * `lsim workload validate workloads/alloy-production.yaml`
    * `lsim workload validate builtin`
    """
    from lsim.workload.model import check_runnable

    w = _resolve(file)
    check_runnable(w)  # pacing under which no thread would work is refused here too
    terminal().data(f"ok: {w.name} ({w.threads.count:,} threads, {w.threads.mode})")


@workload_app.command("show")
def show(
    file: FileArg,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar=SHOW_FORMATS.metavar,
            help="Output format (default: from -o's suffix, else text).",
            autocompletion=lambda: list(SHOW_FORMATS.names),
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write to this file ('-' = stdout)."),
    ] = None,
    sample_threads: Annotated[
        int,
        typer.Option(
            "--sample-threads",
            help="Threads whose plans are walked (1..100,000).",
            callback=int_flag("--sample-threads", 1, 100_000),
        ),
    ] = 256,
    steps: Annotated[
        int,
        typer.Option(
            "--steps",
            help="Steps walked per sampled thread (1..1,000,000).",
            callback=int_flag("--steps", 1, 1_000_000),
        ),
    ] = 2_000,
) -> None:
    """Print the resolved workload and the share of each store operation it produces.

    Examples:

    * `lsim workload show builtin`
    * `lsim workload show workloads/high-churn.yaml -f json | jq .operation_shares`
    """
    out_format = SHOW_FORMATS.resolve(fmt, output)
    check_destination(output)
    import json

    import yaml

    from lsim.workload.load import workload_to_dict
    from lsim.workload.plan import operation_shares

    w = _resolve(file)
    data = workload_to_dict(w)
    if sample_threads * steps > MAX_WALKED_STEPS:
        raise ConfigError(
            f"{sample_threads:,} threads x {steps:,} steps is more than {MAX_WALKED_STEPS:,} "
            "steps to walk",
            source="--sample-threads/--steps",
        )
    shares = operation_shares(w, sample_threads=sample_threads, steps=steps)
    if out_format == "json":
        payload = {"source": w.source, "workload": data, "operation_shares": shares}
        write_data(json.dumps(payload, indent=2) + "\n", output, what="json")
        return
    text = f"# {w.source}\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if not is_stdout(output) or not terminal().styled():
        write_data(text + _shares_text(shares, w.threads.mode), output, what="text")
        return
    terminal().data(text.rstrip())
    _print_shares(shares, w.threads.mode)


def _shares_title(mode: str) -> str:
    return f"derived share of store calls ({mode} mode, estimated from sample plans)"


def _shares_text(shares: dict[str, float], mode: str) -> str:
    lines = ["", f"# {_shares_title(mode)}"]
    lines += [f"# {name:<28} {share * 100:6.2f}%" for name, share in shares.items()]
    return "\n".join(lines) + "\n"


def _print_shares(shares: dict[str, float], mode: str) -> None:
    from rich.table import Table

    title = _shares_title(mode)
    table = Table("operation", "share", title=title, box=None, header_style="bold")
    for name, share in shares.items():
        table.add_row(name, f"{share * 100:.2f}%")
    terminal().data("\n")  # a blank line between the YAML and the table
    terminal().rich(table)


@workload_app.command("new")
def new(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Workload name (letters, digits, _ . -).")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="File to write ('-' = stdout). Default: workloads/NAME.yaml.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force/--no-force", help="Overwrite an existing file.")
    ] = False,
) -> None:
    """Write a commented starting workload file that validates as is.

    Examples:

    * `lsim workload new mine` (writes workloads/mine.yaml)
    * `lsim workload new mine -o - | less`
    * `lsim workload new mine -o /tmp/mine.yaml --force`
    """
    from lsim.workload.template import new_workload_text

    text = new_workload_text(name)
    if output is not None and is_stdout(output):
        write_data(text, None)
        return
    path = output if output is not None else Path("workloads") / f"{name}.yaml"
    if path.exists() and not force:
        raise ConfigError("already exists; pass --force to overwrite it", source=str(path))
    if output is None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(
                f"cannot create the directory: {error.strerror or error}", source=str(path)
            ) from None
    check_destination(path)
    write_data(text, path)
    note(f"check it with: lsim workload validate {path}")
