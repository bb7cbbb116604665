"""The typer application, global options and the one place user errors are turned into exit 2.

Commands live in their own modules and import heavy modules inside the command function so
that ``lsim --help`` stays fast. Diagnostics go to stderr; data goes to stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console

from lsim import __version__
from lsim.errors import LsimError

app = typer.Typer(
    name="lsim",
    help=(
        "Try locking designs for a hot, contended store (Grafana Alloy's labelstore) before "
        "rewriting the Go service: generate label workloads, drive any of seven store designs "
        "with thousands of threads, and read the lock-wait profile like a goroutine dump."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstring paragraphs reflow instead of keeping line breaks
)

stderr = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """lsim: lock-contention experiments for the Alloy labelstore."""


def _register_commands() -> None:
    # One explicit list: each module adds its command(s) to ``app`` when imported.
    from lsim.cli import commands  # noqa: F401


def report_error(error: LsimError) -> int:
    from rich.markup import escape

    # escape: messages quote user input and things like "pip install 'lsim[plot]'"
    stderr.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    return error.exit_code


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app, turning :class:`LsimError` into exit 2.

    Typer (standalone mode) reports usage mistakes itself (exit 2) and exits; our own
    user errors propagate out of the command as :class:`LsimError` and are printed here as
    one line, never a traceback.
    """
    _register_commands()
    try:
        app(args=argv)
    except LsimError as error:
        sys.exit(report_error(error))
    except KeyboardInterrupt:
        stderr.print("interrupted")
        sys.exit(130)


def command(name: str | None = None, **kwargs: object) -> Callable[..., object]:
    """Shorthand for ``app.command`` used by the command modules."""
    return app.command(name, **kwargs)  # type: ignore[arg-type]
