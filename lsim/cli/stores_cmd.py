"""``lsim stores``: list the seven store designs."""

from __future__ import annotations

from lsim.cli.app import app


@app.command("stores")
def stores() -> None:
    """List the store designs lsim can drive, with a one-line description each."""
    from rich.console import Console
    from rich.table import Table

    from lsim.stores import STORE_DESCRIPTIONS, STORE_NAMES

    table = Table("design", "what it is", box=None, show_header=True, header_style="bold")
    for name in STORE_NAMES:
        table.add_row(name, STORE_DESCRIPTIONS[name])
    Console().print(table)
