"""Every byte lsim writes to its own stdout and stderr goes through ``lsim.cli.terminal``.

The renderers (``lsim/render``) produce text and may use rich to build it; the core returns
data. Anything else that prints, makes a rich ``Console``, echoes through typer/click or
touches ``sys.stdout``/``sys.stderr`` is a second output path, and this test names it.

The check reads the syntax tree rather than grepping lines, so a docstring or comment that
mentions ``print(`` is not a hit and ``print (x)`` is. Files lsim writes on purpose (plan
files, profiles, the Go engine's pipes) are opened streams, not the process's own, and are
not hits either.
"""

from __future__ import annotations

import ast
from pathlib import Path

LSIM = Path(__file__).resolve().parents[2] / "lsim"
OWNERS = (LSIM / "cli" / "terminal.py", LSIM / "render")
# (path relative to lsim/, what) -> why it cannot go through the Terminal. Empty: nothing
# in lsim needs it today (the engines' child processes report through pipes and files they
# open themselves). An entry here needs a reason a reviewer accepts.
ALLOWED: dict[tuple[str, str], str] = {}

STREAMS = {"stdout", "stderr", "__stdout__", "__stderr__"}
ECHOES = {"echo", "secho"}  # typer.echo, click.echo, click.secho


def dotted(node: ast.expr) -> str:
    """``sys.stdout.write`` for that attribute chain, ``""`` for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def hits_in(source: str) -> list[tuple[int, str]]:
    """(line, what) for every way of writing to the terminal outside the Terminal."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            last = name.rsplit(".", 1)[-1]
            if name == "print" or (isinstance(node.func, ast.Attribute) and last == "print"):
                found.append((node.lineno, f"{name or '?.print'}()"))
            elif last == "Console" or (name.split(".")[0] in {"typer", "click"} and last in ECHOES):
                found.append((node.lineno, f"{name}()"))
        elif isinstance(node, ast.Attribute) and node.attr in STREAMS:
            if dotted(node.value) == "sys":
                found.append((node.lineno, f"sys.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module == "sys":
            for alias in node.names:
                if alias.name in STREAMS:
                    found.append((node.lineno, f"from sys import {alias.name}"))
    return sorted(found)


def owned(path: Path) -> bool:
    return any(path == owner or owner in path.parents for owner in OWNERS)


def test_nothing_outside_the_terminal_and_the_renderers_writes_to_the_terminal() -> None:
    hits = []
    for path in sorted(LSIM.rglob("*.py")):
        if owned(path):
            continue
        rel = path.relative_to(LSIM).as_posix()
        for line, what in hits_in(path.read_text(encoding="utf-8")):
            if (rel, what) not in ALLOWED:
                hits.append(f"lsim/{rel}:{line}: {what}")
    assert hits == [], "write through lsim.cli.terminal instead:\n" + "\n".join(hits)


def test_the_check_finds_every_kind_of_write() -> None:
    source = """
import sys
from sys import stderr
print("x")
print ("y", file=sys.stderr)
console.print(table)
stderr.print("[red]x")
Console(stderr=True)
rich.console.Console()
sys.stdout.write("x")
sys.stderr.buffer.write(b"x")
typer.echo("x")
click.secho("x")
"""
    kinds = [what for _, what in hits_in(source)]
    assert kinds == [
        "from sys import stderr",
        "print()",
        "print()",
        "sys.stderr",
        "console.print()",
        "stderr.print()",
        "Console()",
        "rich.console.Console()",
        "sys.stdout",
        "sys.stderr",
        "typer.echo()",
        "click.secho()",
    ]


def test_the_check_ignores_words_and_other_streams() -> None:
    source = '''
"""print(x) and sys.stdout.write in a docstring"""
# print(x) in a comment
out.write(payload)
proc.stderr.readline()
subprocess.run(cmd, stderr=subprocess.PIPE)
footprint(x)
'''
    assert hits_in(source) == []
