"""``lsim stores [DESIGN]``: list the store designs, or show one design's locking."""

from __future__ import annotations

import typer

from lsim.cli.app import app


# DESIGN is read from the context's extra arguments, not declared as a typer Argument: a
# declared parameter makes typer build a pydantic adapter, and `lsim stores` must start fast.
@app.command(
    "stores", context_settings={"allow_extra_args": True}, options_metavar="[OPTIONS] [DESIGN]"
)
def stores(ctx: typer.Context) -> None:
    """List the store designs lsim can drive, with a one-line description each.

    `lsim stores DESIGN` prints that design's locking instead: for each operation and case,
    the locks it takes in the order taken, their mode (W exclusive, R read side) and what it
    does under them -- the statement every engine's store is checked against.

    Examples:

    * `lsim stores`
    * `lsim stores finegrained` (its locks per operation)
    * `lsim run --store rwmutex` (then any design by its name)
    """
    from lsim.cli.terminal import terminal
    from lsim.stores import STORE_DESCRIPTIONS, STORE_NAMES

    if len(ctx.args) > 1:
        from lsim.errors import ConfigError

        raise ConfigError(f"takes at most one DESIGN (got {' '.join(ctx.args)})", source="stores")
    if ctx.args:
        _show_locking(ctx.args[0])
        return

    if not terminal().styled():  # plain columns for pipes and scripts (and no rich to import)
        width = max(len(name) for name in (*STORE_NAMES, "design"))
        lines = [f"{'design':<{width}}  what it is"]
        lines += [f"{name:<{width}}  {STORE_DESCRIPTIONS[name]}" for name in STORE_NAMES]
        terminal().data("\n".join(lines))
        return
    from rich.table import Table

    table = Table("design", "what it is", box=None, show_header=True, header_style="bold")
    for name in STORE_NAMES:
        table.add_row(name, STORE_DESCRIPTIONS[name])
    terminal().rich(table)


def _show_locking(design: str) -> None:
    from lsim.cli.terminal import terminal
    from lsim.errors import ConfigError
    from lsim.stores import STORE_DESCRIPTIONS, STORE_NAMES
    from lsim.stores.locking import cost_legend, statement_rows

    if design not in STORE_NAMES:
        raise ConfigError(f"unknown design {design!r} (designs: {', '.join(STORE_NAMES)})",
                          source="DESIGN")  # fmt: skip
    rows = statement_rows(design)
    head = ("operation", "case", "locks (in the order taken)", "what it does under them")
    if not terminal().styled():
        widths = [max(len(r[i]) for r in (*rows, head)) for i in range(3)]
        lines = [f"{design}: {STORE_DESCRIPTIONS[design]}"]
        lines += ["  ".join(f"{c:<{w}}" for c, w in zip(r, widths, strict=False)) + "  " + r[3]
                  for r in (head, *rows)]  # fmt: skip
        terminal().data("\n".join([*lines, *cost_legend(design)]))
        return
    from rich.table import Table

    table = Table(*head, box=None, header_style="bold", title=f"{design}: "
                  f"{STORE_DESCRIPTIONS[design]}", title_justify="left")  # fmt: skip
    for row in rows:
        table.add_row(*row)
    table.caption = "\n".join(cost_legend(design))
    table.caption_justify = "left"
    terminal().rich(table)
