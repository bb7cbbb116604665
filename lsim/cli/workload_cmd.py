"""``lsim workload validate|show|new``: check, inspect and start workload files.

``FILE`` may also be ``builtin`` or ``builtin:NAME`` (the workload used when a command gets
no ``--workload``). Data goes to stdout, messages to stderr; mistakes raise ``LsimError``,
which ``lsim.cli.app.main`` prints as one line with exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lsim.cli.app import app
from lsim.errors import ConfigError

if TYPE_CHECKING:
    from lsim.workload.model import Workload

workload_app = typer.Typer(
    name="workload",
    help="Check, inspect and start workload files (YAML).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(workload_app, name="workload")

SHOW_FORMATS = ("text", "json")
FileArg = Annotated[
    str, typer.Argument(metavar="FILE", help="A workload YAML file, or builtin[:NAME].")
]


def _resolve(ref: str) -> Workload:
    from lsim.workload.load import resolve_workload

    return resolve_workload(ref)


@workload_app.command("validate")
def validate(file: FileArg) -> None:
    """Load FILE and report whether it is a valid workload."""
    w = _resolve(file)
    typer.echo(f"ok: {w.name} ({w.threads.count:,} threads, {w.threads.mode})")


@workload_app.command("show")
def show(
    file: FileArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    sample_threads: Annotated[
        int, typer.Option("--sample-threads", help="Threads whose plans are walked.", min=1)
    ] = 256,
    steps: Annotated[
        int, typer.Option("--steps", help="Steps walked per sampled thread.", min=1)
    ] = 2_000,
) -> None:
    """Print the resolved workload and the share of each store operation it produces."""
    if fmt not in SHOW_FORMATS:
        raise ConfigError(
            f"unknown format {fmt!r}; allowed: {', '.join(SHOW_FORMATS)}", source="--format"
        )
    import json

    import yaml

    from lsim.workload.load import workload_to_dict
    from lsim.workload.plan import operation_shares

    w = _resolve(file)
    data = workload_to_dict(w)
    shares = operation_shares(w, sample_threads=sample_threads, steps=steps)
    if fmt == "json":
        payload = {"source": w.source, "workload": data, "operation_shares": shares}
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(f"# {w.source}")
    typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip())
    _print_shares(shares, w.threads.mode)


def _print_shares(shares: dict[str, float], mode: str) -> None:
    from rich.console import Console
    from rich.table import Table

    title = f"derived share of store calls ({mode} mode, estimated from sample plans)"
    console = Console()
    if not console.is_terminal:
        typer.echo(f"\n# {title}")
        for name, share in shares.items():
            typer.echo(f"# {name:<28} {share * 100:6.2f}%")
        return
    table = Table("operation", "share", title=title, box=None, header_style="bold")
    for name, share in shares.items():
        table.add_row(name, f"{share * 100:.2f}%")
    console.print()
    console.print(table)


@workload_app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="Workload name (letters, digits, _ . -).")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="File to write ('-' = stdout). Default: workloads/NAME.yaml."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starting workload file that validates as is."""
    from lsim.workload.template import new_workload_text

    text = new_workload_text(name)
    if output is not None and str(output) == "-":
        typer.echo(text, nl=False)
        return
    path = output if output is not None else Path("workloads") / f"{name}.yaml"
    if path.exists() and not force:
        raise ConfigError("already exists; pass --force to overwrite it", source=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot write: {error.strerror or error}", source=str(path)) from None
    print(f"wrote {path}; check it with: lsim workload validate {path}", file=sys.stderr)
