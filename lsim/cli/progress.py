"""Progress on stderr that never lies: phase, elapsed time, ops/s and blocked share.

* On a terminal: a rich bar. The elapsed clock keeps running past the estimate (rich's own
  column freezes once a task reaches its total) and the bar stops just short of full until
  the run really ends.
* Anywhere else (CI, a pipe, a redirect): a plain line about every 10 s, e.g.
  ``model: 44% of 200 ms simulated, 12 s``; a short run prints none. ``LSIM_PROGRESS_EVERY_S``
  changes the interval (a CI log may want fewer lines; the tests want them sooner).
* ``quiet``: nothing at all.

Lines are written from the engines' progress callbacks (no extra thread: the threads engine
forks its experiment process while the display is live).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from lsim.cli.terminal import Terminal, terminal

if TYPE_CHECKING:
    from rich.progress import Task
    from rich.text import Text

    from lsim.compare.schedule import Slot, Variant
    from lsim.engine.threads import RunStatus

PLAIN_INTERVAL_S = 10.0
INTERVAL_ENV = "LSIM_PROGRESS_EVERY_S"
BAR_CAP = 0.99  # share of the bar shown while a run is still going, however long it takes

ProgressFn = Callable[["RunStatus"], None]
Describe = Callable[["RunStatus"], str]


def stderr_is_terminal() -> bool:
    return terminal().is_terminal("stderr")


def to_stream(stream: TextIO | None) -> Terminal:
    """The process's terminal, or one whose stderr is ``stream`` (the tests read the lines)."""
    return terminal() if stream is None else Terminal(stderr=stream)


def plain_interval_s() -> float:
    """Seconds between plain progress lines: ``$LSIM_PROGRESS_EVERY_S`` if valid, else 10."""
    import math
    import os

    try:
        value = float(os.environ.get(INTERVAL_ENV, PLAIN_INTERVAL_S))
    except ValueError:
        return PLAIN_INTERVAL_S
    return value if math.isfinite(value) and value > 0 else PLAIN_INTERVAL_S


def clock_text(seconds: float) -> str:
    """``12 s``, ``3 min 05 s``: the wall time since the display started."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def status_detail(status: RunStatus) -> str:
    """What the engine says about itself, for the bar and the plain lines."""
    if status.fraction is not None:
        return f"{status.phase} {status.fraction:.0%}"
    started = (
        f"{status.threads_started:,}/{status.threads:,} threads"
        if status.threads_started < status.threads
        else f"{status.threads:,} threads"
    )
    if status.threads_ran is not None and status.threads_started == status.threads:
        started += f", {status.threads_ran:,} ran"
    iteration = f" iteration {status.iteration}" if status.iteration else ""
    return (
        f"{status.phase}{iteration} · {started} · {status.ops_per_s:,.0f} ops/s · "
        f"blocked {status.blocked_share:.0%}"
    )


def engine_describer(engine: str, sim_time_s: float | None = None) -> Describe:
    """The plain line's text (before the elapsed time) for a run on ``engine``."""

    def describe(status: RunStatus) -> str:
        if engine == "model" and status.fraction is not None and sim_time_s:
            return f"model: {status.fraction:.0%} of {sim_time_s * 1000:g} ms simulated"
        return f"{engine}: {status_detail(status).replace(' · ', ', ')}"

    return describe


def bar_done(done: float, total: float) -> float:
    """Completed units to show: never the whole bar before the run says it has ended."""
    return max(0.0, min(done, total * BAR_CAP))


class PlainLines:
    """A plain progress line every ``interval_s`` (wall clock), from status callbacks."""

    def __init__(
        self,
        describe: Describe,
        *,
        interval_s: float | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.describe, self.clock, self.stream = describe, clock, stream
        self.interval_s = plain_interval_s() if interval_s is None else interval_s
        self.start = clock()
        self.next_at = self.start + self.interval_s
        self.lines = 0

    def __call__(self, status: RunStatus) -> None:
        now = self.clock()
        if now < self.next_at:
            return
        # the next line ~interval_s after this one, on the same grid (10 s, 20 s, ...)
        while self.next_at <= now:
            self.next_at += self.interval_s
        to_stream(self.stream).progress(f"{self.describe(status)}, {clock_text(now - self.start)}")
        self.lines += 1


def elapsed_column() -> Any:
    """A rich column with the wall time since the task started, still running past its total."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class RunningElapsed(ProgressColumn):
        def render(self, task: Task) -> Text:
            elapsed = task.elapsed or 0.0
            minutes, seconds = divmod(int(elapsed), 60)
            hours, minutes = divmod(minutes, 60)
            return Text(f"{hours}:{minutes:02d}:{seconds:02d}", style="progress.elapsed")

    return RunningElapsed()


def rich_bar() -> Any:
    """A transient rich ``Progress`` on stderr: description, bar, running clock, detail."""
    from rich.progress import BarColumn, Progress, TextColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        elapsed_column(),
        TextColumn("{task.fields[detail]}"),
        console=terminal().console("stderr"),
        transient=True,
    )


@contextmanager
def live_progress(
    label: str,
    expected_s: float,
    enabled: bool | None = None,
    *,
    quiet: bool = False,
    describe: Describe | None = None,
) -> Iterator[ProgressFn]:
    """Yield a progress callback: a rich bar on a terminal, plain lines elsewhere.

    ``enabled`` forces the bar on or off (None: a bar exactly when stderr is a terminal);
    ``describe`` words the plain lines (default: the label and the engine's status).
    """
    if quiet:
        yield lambda status: None
        return
    if enabled is None:
        enabled = stderr_is_terminal()
    if not enabled:
        yield PlainLines(describe or (lambda status: f"{label}: {status_detail(status)}"))
        return
    total = max(expected_s, 1e-9)
    with rich_bar() as bar:
        task = bar.add_task(label, total=total, detail="starting")

        def update(status: RunStatus) -> None:
            fraction = status.fraction
            done = status.elapsed_s if fraction is None else fraction * expected_s
            bar.update(task, completed=bar_done(done, total), detail=status_detail(status))

        yield update


class ScheduleProgress:
    """One display for a whole ``compare``/``sweep`` schedule, weighted by the expected
    seconds of each run; it names the current design and repetition. A rich bar on a
    terminal, plain lines elsewhere, nothing when ``quiet``."""

    def __init__(
        self,
        command: str,
        plan: Sequence[Slot],
        expected: Mapping[Variant, float],
        describe: Mapping[Variant, Describe] | None = None,
        *,
        quiet: bool = False,
        enabled: bool | None = None,
    ) -> None:
        self.command, self.plan, self.expected = command, plan, expected
        self.describe = describe or {}
        self.quiet = quiet
        self.enabled = (not quiet) and (stderr_is_terminal() if enabled is None else enabled)
        self.done_s = 0.0  # expected seconds of the runs already finished
        self.total = sum(expected[s.variant] for s in plan) or 1.0
        self.slot: Slot | None = None
        self.bar: Any = None
        self.lines: PlainLines | None = None

    def _where(self) -> str:
        slot = self.slot
        if slot is None:
            return self.command
        return (
            f"{self.command} {slot.index + 1}/{len(self.plan)} · {slot.variant.label}"
            f" · repetition {slot.repetition}/{slot.repeat}"
        )

    def _line(self, status: RunStatus) -> str:
        assert self.slot is not None
        describe = self.describe.get(self.slot.variant)
        text = describe(status) if describe else status_detail(status)
        return f"{self._where()}: {text}"

    def __enter__(self) -> ScheduleProgress:
        if self.enabled:
            self.bar = rich_bar()
            self.bar.start()
            self.task = self.bar.add_task(self.command, total=self.total, detail="")
        elif not self.quiet:
            self.lines = PlainLines(self._line)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def start(self, slot: Slot) -> None:
        self.slot = slot
        if self.bar is not None:
            done = bar_done(self.done_s, self.total)
            self.bar.update(self.task, description=self._where(), completed=done, detail="")

    def status(self, status: RunStatus) -> None:
        if self.slot is None:
            return
        if self.lines is not None:
            self.lines(status)
        if self.bar is None:
            return
        expected = self.expected[self.slot.variant]
        part = status.fraction * expected if status.fraction is not None else status.elapsed_s
        part = min(part, expected)  # a run past its estimate does not eat the next one's share
        detail = (
            f"{status.phase} · {status.ops_per_s:,.0f} ops/s · blocked {status.blocked_share:.0%}"
        )
        done = bar_done(self.done_s + part, self.total)
        self.bar.update(self.task, completed=done, detail=detail)

    def done(self, slot: Slot) -> None:
        self.done_s += self.expected[slot.variant]
        if self.bar is not None:
            self.bar.update(self.task, completed=bar_done(self.done_s, self.total))


class CellsProgress:
    """The display of cells run side by side (``--jobs``): cells done of the total. A rich
    bar on a terminal, a plain line per finished cell elsewhere, nothing when ``quiet``."""

    def __init__(self, command: str, total: int, jobs: int, *, quiet: bool = False,
                 enabled: bool | None = None, stream: TextIO | None = None) -> None:  # fmt: skip
        self.command, self.total, self.jobs = command, total, jobs
        self.quiet = quiet
        self.enabled = (not quiet) and (stderr_is_terminal() if enabled is None else enabled)
        self.stream = stream
        self.cells = 0
        self.bar: Any = None

    def text(self) -> str:
        return f"{self.command}: {self.cells} of {self.total} cells done ({self.jobs} jobs)"

    def __enter__(self) -> CellsProgress:
        if self.enabled:
            self.bar = rich_bar()
            self.bar.start()
            self.task = self.bar.add_task(self.text(), total=self.total, detail="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def done(self, slot: Slot) -> None:
        self.cells += 1
        if self.bar is not None:
            self.bar.update(self.task, completed=self.cells, description=self.text())
        elif not self.quiet:
            last = f"last: {slot.variant.label} repetition {slot.repetition}"
            to_stream(self.stream).progress(f"{self.text()}, {last}")
