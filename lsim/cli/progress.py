"""A live progress line on stderr: phase, elapsed, ops/s and blocked share."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from lsim.engine.threads import RunStatus


@contextmanager
def live_progress(
    label: str, expected_s: float, enabled: bool | None = None
) -> Iterator[Callable[[RunStatus], None]]:
    """Yield a progress callback; a rich bar when stderr is a terminal, else nothing."""
    console = Console(stderr=True)
    if enabled is None:
        enabled = console.is_terminal and sys.stderr.isatty()
    if not enabled:
        yield lambda status: None
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[detail]}"),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=max(expected_s, 1e-9), detail="starting")

        def update(status: RunStatus) -> None:
            if status.fraction is not None:
                done = status.fraction * expected_s
                detail = f"{status.phase} {status.fraction:.0%}"
            else:
                done = min(status.elapsed_s, expected_s)
                started = (
                    f"{status.threads_started:,}/{status.threads:,} threads"
                    if status.threads_started < status.threads
                    else f"{status.threads:,} threads"
                )
                iteration = f" iteration {status.iteration}" if status.iteration else ""
                detail = (
                    f"{status.phase}{iteration} · {started} · {status.ops_per_s:,.0f} ops/s · "
                    f"blocked {status.blocked_share:.0%}"
                )
            bar.update(task, completed=done, detail=detail)

        yield update
