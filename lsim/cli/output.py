"""Writing reports: rich on a terminal, plain text when piped or written to a file."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from lsim.profile.model import Profile


def emit_text_report(profile: Profile, output: Path | None) -> None:
    from lsim.render import get_renderer

    if output is not None:
        output.write_text(str(get_renderer("summary").render(profile)))
        Console(stderr=True).print(f"report written to {output}")
        return
    console = Console()
    if console.is_terminal:
        from lsim.render.summary import summary_rich

        console.print(summary_rich(profile))
    else:
        typer.echo(str(get_renderer("summary").render(profile)), nl=False)
