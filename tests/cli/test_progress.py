"""Progress that never lies: the clock runs past the estimate, plain lines off a terminal,
nothing with --quiet."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lsim.cli.progress import (
    BAR_CAP,
    PlainLines,
    ScheduleProgress,
    bar_done,
    clock_text,
    elapsed_column,
    engine_describer,
    live_progress,
    plain_interval_s,
)
from lsim.engine.threads import RunStatus

REPO = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def model_status(fraction: float) -> RunStatus:
    return RunStatus("simulating", 5000, 5000, 0.0, 0.0, 0.0, 0, fraction)


def threads_status() -> RunStatus:
    return RunStatus("measuring", 1000, 1000, 3.2, 52_300.0, 0.98, 0)


def test_plain_lines_every_interval_with_the_wall_clock() -> None:
    clock, out = FakeClock(), io.StringIO()
    lines = PlainLines(engine_describer("model", 0.2), interval_s=10, stream=out, clock=clock)
    clock.now += 9.9
    lines(model_status(0.3))
    assert out.getvalue() == ""  # a short run prints nothing
    clock.now += 2.1  # 12 s in
    lines(model_status(0.44))
    assert out.getvalue() == "model: 44% of 200 ms simulated, 12 s\n"
    lines(model_status(0.45))  # no second line within the interval
    clock.now += 75.0  # a long silence (slow callbacks) gives one line, not eight
    lines(model_status(0.9))
    assert out.getvalue().splitlines()[-1] == "model: 90% of 200 ms simulated, 1 min 27 s"
    assert lines.lines == 2


def test_plain_line_for_the_threads_engine() -> None:
    clock, out = FakeClock(), io.StringIO()
    lines = PlainLines(engine_describer("threads"), interval_s=10, stream=out, clock=clock)
    clock.now += 10
    lines(threads_status())
    assert out.getvalue() == (
        "threads: measuring, 1,000 threads, 52,300 ops/s, blocked 98%, 10 s\n"
    )


def test_clock_text() -> None:
    assert clock_text(0.4) == "0 s" and clock_text(59.6) == "60 s"
    assert clock_text(65) == "1 min 05 s" and clock_text(-1) == "0 s"


def test_interval_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSIM_PROGRESS_EVERY_S", "2.5")
    assert plain_interval_s() == 2.5
    for bad in ("nan", "-1", "0", "soon"):
        monkeypatch.setenv("LSIM_PROGRESS_EVERY_S", bad)
        assert plain_interval_s() == 10.0


def test_quiet_prints_nothing_and_non_terminal_prints_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with live_progress("x", 1.0, quiet=True) as progress:
        progress(model_status(0.5))
    with live_progress("x", 1.0, enabled=False) as progress:
        assert isinstance(progress, PlainLines)
    assert capsys.readouterr().err == ""


def test_bar_never_shows_done_while_running() -> None:
    assert bar_done(95.0, 7.0) == pytest.approx(7.0 * BAR_CAP)
    assert bar_done(3.0, 7.0) == 3.0 and bar_done(-1.0, 7.0) == 0.0


def test_elapsed_clock_keeps_running_past_the_estimate() -> None:
    from rich.progress import Progress

    now = [0.0]
    progress = Progress(get_time=lambda: now[0], disable=True)
    task_id = progress.add_task("run", total=7.0)
    now[0] = 7.0
    progress.update(task_id, completed=7.0)  # rich marks the task finished here ...
    now[0] = 95.0
    task = progress.tasks[0]
    shown = str(elapsed_column().render(task))
    assert shown == "0:01:35"  # ... and its own column would keep showing 0:00:07


def test_live_bar_keeps_running_past_the_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    updates: list[dict[str, object]] = []

    class Bar:
        def __enter__(self) -> Bar:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def add_task(self, *args: object, **kwargs: object) -> int:
            return 0

        def update(self, task: int, **kwargs: object) -> None:
            updates.append(kwargs)

    monkeypatch.setattr("lsim.cli.progress.rich_bar", Bar)
    with live_progress("run", 7.0, enabled=True) as progress:
        progress(RunStatus("measuring", 10, 10, 95.0, 1.0, 0.5, 0))
    assert updates[-1]["completed"] == pytest.approx(7.0 * BAR_CAP)


def test_schedule_progress_prints_plain_lines_naming_the_run() -> None:
    from lsim.compare.schedule import Variant, interleave

    variants = [Variant("mutex"), Variant("sharded", 8)]
    plan = interleave(variants, 1)
    clock, out = FakeClock(), io.StringIO()
    progress = ScheduleProgress(
        "compare",
        plan,
        {v: 1.0 for v in variants},
        {v: engine_describer("model", 0.2) for v in variants},
        enabled=False,
    )
    with progress:
        assert progress.lines is not None
        progress.lines.clock, progress.lines.stream = clock, out
        progress.lines.start, progress.lines.next_at = clock.now, clock.now + 10
        progress.start(plan[1])
        clock.now += 10
        progress.status(model_status(0.5))
    assert out.getvalue() == (
        "compare 2/2 · sharded-8 · repetition 1/1: model: 50% of 200 ms simulated, 10 s\n"
    )
    quiet = ScheduleProgress("compare", plan, {v: 1.0 for v in variants}, quiet=True)
    with quiet:
        assert quiet.lines is None and quiet.bar is None


@pytest.mark.timeout(300)
def test_a_model_run_through_a_pipe_shows_progress_lines(tmp_path: Path) -> None:
    """``lsim run --engine model ... 2>&1 | cat``: stderr is a pipe, lines come on it."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "LSIM_PROGRESS_EVERY_S": "0.2"}
    args = ["run", "--engine", "model", "--goroutines", "3000", "--gomaxprocs", "8"]
    done = subprocess.run(
        [sys.executable, "-m", "lsim", *args, "--sim-time", "100ms", "-f", "json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("model: ")]
    assert lines, done.stderr
    assert "of 100 ms simulated, " in lines[0] and lines[0].endswith(" s")
    quiet = subprocess.run(
        [sys.executable, "-m", "lsim", *args, "--sim-time", "100ms", "-f", "json", "-q"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert quiet.returncode == 0 and "model: " not in quiet.stderr
