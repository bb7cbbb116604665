"""The ``threads`` engine: run the job in a child process, sample its board from here.

``run_threads`` checks limits up front, forks the experiment process, samples the census at
a fixed rate while reporting live progress, and turns the child's result into a Profile.
Ctrl-C or SIGTERM stops the child early (the handler only sets a flag; the loop below raises
``H_INTERRUPT`` on the board and forwards one SIGINT, once); what was measured is still
reported. A child that does not report within ``INTERRUPT_GRACE_S`` after that is killed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lsim.engine.board import (
    H_INTERRUPT,
    H_ITERATION,
    H_PHASE,
    H_STOP,
    H_THREADS_STARTED,
    H_WINDOW_END_MS,
    H_WINDOW_START_MS,
    PHASE_MEASURING,
    StateBoard,
)
from lsim.engine.census import Census, Sampler
from lsim.engine.child import child_main
from lsim.engine.interrupt import interruptible, signals_blocked
from lsim.engine.job import Job
from lsim.engine.observer import Observer
from lsim.errors import Interrupted, LimitError, RunFailed
from lsim.limits import thread_limit

PHASE_NAMES = {0: "starting", 1: "warming up", 2: "measuring", 3: "finishing"}
PROGRESS_EVERY_S = 0.25
DEADLINE_GRACE_MS = 250  # the child ends its own window unless it is this late
STALL_LIMIT_S = 60.0  # no progress in phase for this long (after the expected time): give up
INTERRUPT_GRACE_S = 15.0  # after Ctrl-C the child reports within this (plus its threads' share)


@dataclass
class RunStatus:
    """What the progress display shows."""

    phase: str
    threads_started: int
    threads: int
    elapsed_s: float
    ops_per_s: float
    blocked_share: float
    iteration: int
    fraction: float | None = None  # share of the run done, when the engine knows it
    threads_ran: int | None = None  # start-up: workers that have begun their plan


@dataclass
class ChildResult:
    data: dict[str, Any]
    census: Census
    wall_s: float
    interrupted: bool
    observed: dict[str, Any]
    window_after_s: float | None = None  # from the start of run_child to the measured window


def check_thread_limits(threads: int, source: str = "--threads") -> None:
    """Refuse up front what this machine cannot run (DESIGN.md §5), naming the limit.

    The limit is measured (``lsim.limits.thread_limit``); memory is checked by the
    workload's estimate (``lsim.workload.estimate``) before any engine starts.
    """
    limit = thread_limit()
    if threads > limit.threads:
        raise LimitError(
            f"{source}: {threads:,} threads is above what this machine can start in one "
            f"process now, about {limit.threads:,} ({limit.reason}); use --engine model for "
            "production scale"
        )


def run_child(
    job: Job,
    *,
    census_rate_hz: float,
    census: bool = True,
    progress: Callable[[RunStatus], None] | None = None,
    observers: Sequence[Observer] = (),
) -> ChildResult:
    """Fork the experiment process for ``job`` and observe it until it reports."""
    check_thread_limits(job.threads)
    with interruptible() as interrupt_requested:
        return _observe(job, census_rate_hz, census, progress, observers, interrupt_requested)


def _observe(
    job: Job,
    census_rate_hz: float,
    census: bool,
    progress: Callable[[RunStatus], None] | None,
    observers: Sequence[Observer],
    interrupt_requested: Callable[[], bool],
) -> ChildResult:
    board = StateBoard(job.threads)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=child_main, args=(job, board, sender), name="lsim-experiment")
    sampler = Sampler(board, census_rate_hz)
    interrupted = False
    give_up_at = 0.0
    began = time.perf_counter()
    with signals_blocked():  # the child starts with them blocked, until its handlers are in
        child.start()
    sender.close()
    last_progress = 0.0
    last_ops = (began, 0)
    data: dict[str, Any] | None = None
    observing = False
    observed: dict[str, Any] = {}
    window_after_s: float | None = None
    try:
        while data is None:
            if interrupt_requested() and not interrupted:
                interrupted = True  # forwarded once: the board flag, and one SIGINT
                board.set_header(H_INTERRUPT, 1)
                give_up_at = time.perf_counter() + INTERRUPT_GRACE_S + job.threads / 2000
                if child.pid:
                    os.kill(child.pid, signal.SIGINT)
            if interrupted and time.perf_counter() > give_up_at:
                child.kill()
                raise Interrupted(
                    "interrupted; the experiment process did not report within "
                    f"{give_up_at - began:.0f} s of the start and was stopped"
                )
            measuring = board.header(H_PHASE) == PHASE_MEASURING
            if measuring and window_after_s is None:
                window_after_s = time.perf_counter() - began
            if measuring and not observing and child.pid:
                observing = True
                for observer in observers:
                    observer.start(child.pid)
            wait = sampler.due_in() if (census and measuring) else 0.02
            if receiver.poll(wait):
                data = receiver.recv()
                break
            if not child.is_alive() and not receiver.poll(0):
                raise RunFailed(_death(child.exitcode))
            if measuring and job.mode == "steady":
                _enforce_deadline(board, job.duration_s)
            if not interrupted:
                _check_stall(board, job, time.perf_counter() - began, child)
            if census and board.header(H_PHASE) == PHASE_MEASURING and not board.header(H_STOP):
                sampler.tick()
            now = time.perf_counter()
            if progress is not None and now - last_progress >= PROGRESS_EVERY_S:
                ops = board.total_ops()
                rate = (ops - last_ops[1]) / max(1e-9, now - last_ops[0])
                last_ops, last_progress = (now, ops), now
                progress(_status(board, job, now - began, rate, sampler.census))
    except EOFError:
        raise RunFailed("the experiment process ended without a result") from None
    finally:
        if observing:
            for observer in observers:
                observed.update(observer.finish())
        child.join(timeout=30)
        if child.is_alive():
            child.kill()
            child.join(timeout=5)
        board.close()
    if "error" in data:
        if interrupted and data["error"].startswith("KeyboardInterrupt"):
            raise Interrupted("interrupted before the experiment started")
        raise RunFailed(f"the experiment process failed: {data['error']}")
    wall = time.perf_counter() - began
    return ChildResult(data, sampler.census, wall, interrupted, observed, window_after_s)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"the experiment process was killed by {name}{hint}"
    return f"the experiment process died (exit code {exitcode})"


def _check_stall(board: StateBoard, job: Job, elapsed: float, child: Any) -> None:
    """Never hang: a steady run that is far past its expected time is stopped with a reason.

    With thousands of CPU-bound workers (a closed loop on a design whose calls never block)
    CPython's GIL hand-offs collapse: measured, 2,000 lock-free workers needed 160 s before
    every thread had run once and minutes more to exit.
    """
    if job.mode != "steady":
        return
    from lsim.engine.child import FIRST_OP_TIMEOUT_S

    expected = FIRST_OP_TIMEOUT_S + job.warmup_s + job.duration_s + job.threads / 2000
    if elapsed < expected + STALL_LIMIT_S:
        return
    started = board.header(H_THREADS_STARTED)
    child.kill()
    raise LimitError(
        f"the experiment did not finish: {elapsed:.0f} s after start (expected about "
        f"{expected:.0f} s), {started:,} of {job.threads:,} threads started. With this many "
        "threads running Python without ever blocking, CPython's GIL hand-offs collapse "
        "(GIL thrash). Use fewer threads, or pacing (think time or a rate) in the workload."
    )


def _enforce_deadline(board: StateBoard, duration_s: float) -> None:
    """End a steady window the child overran (its main thread starved of the GIL)."""
    if board.header(H_STOP):
        return
    end_ms = board.header(H_WINDOW_START_MS) + int(duration_s * 1000)
    if board.now_ms() >= end_ms + DEADLINE_GRACE_MS:
        board.set_header(H_WINDOW_END_MS, end_ms)
        board.set_header(H_STOP, 1)


def _status(board: StateBoard, job: Job, elapsed: float, rate: float, census: Census) -> RunStatus:
    recent = census.blocked_per_sample[-10:]
    live = census.live_per_sample[-10:]
    share = sum(recent) / sum(live) if recent and sum(live) else 0.0
    phase = board.header(H_PHASE)
    return RunStatus(
        phase=PHASE_NAMES.get(phase, "?"),
        threads_started=board.header(H_THREADS_STARTED),
        threads=job.threads,
        elapsed_s=elapsed,
        ops_per_s=rate,
        blocked_share=share,
        iteration=board.header(H_ITERATION),
        # before the window every worker must have run once (lsim.engine.child): say how
        # far that is, so 10,000 threads starting do not look like a hang
        threads_ran=board.threads_ran() if phase < PHASE_MEASURING else None,
    )
