"""``lsim stores``: list the eight store designs."""

from __future__ import annotations

from lsim.cli.app import app


@app.command("stores")
def stores() -> None:
    """List the store designs lsim can drive, with a one-line description each.

    Examples:

    * `lsim stores`
    * `lsim run --store rwmutex` (then any design by its name)
    """
    import sys

    from lsim.stores import STORE_DESCRIPTIONS, STORE_NAMES

    if not sys.stdout.isatty():  # plain columns for pipes and scripts (and no rich to import)
        width = max(len(name) for name in (*STORE_NAMES, "design"))
        lines = [f"{'design':<{width}}  what it is"]
        lines += [f"{name:<{width}}  {STORE_DESCRIPTIONS[name]}" for name in STORE_NAMES]
        sys.stdout.write("\n".join(lines) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("design", "what it is", box=None, show_header=True, header_style="bold")
    for name in STORE_NAMES:
        table.add_row(name, STORE_DESCRIPTIONS[name])
    Console().print(table)
