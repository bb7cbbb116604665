"""The experiment process: start the workers, run the measured window, report, leave fast.

Runs after ``fork``. It never prints; it publishes its phase on the board header and sends
one result dict through a pipe. It leaves with ``os._exit`` instead of joining thousands of
threads one by one (measured: joining 20k threads took 14-37 s, leaving the process 0.35 s).

Stopping early: SIGINT/SIGTERM (a terminal's Ctrl-C reaches this process directly; the
parent also raises ``H_INTERRUPT`` on the board) and a worker that raises both end the
window at once. The signal handler only stores a word in the board (no lock, no I/O: a
second Ctrl-C used to run ``Event.set`` again inside the first one's lock and hang); the
main thread waits in short slices and looks at the board between them.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import signal
import statistics
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

from lsim.engine.board import (
    H_FAILED,
    H_INTERRUPT,
    H_ITERATION,
    H_PHASE,
    H_STOP,
    H_THREADS_STARTED,
    H_WINDOW_END_MS,
    H_WINDOW_START_MS,
    H_WORKER_FAILED,
    PHASE_FINISHED,
    PHASE_MEASURING,
    PHASE_WARMUP,
    StateBoard,
)
from lsim.engine.child_results import collect, lock_snapshots
from lsim.engine.executor import Flags, ThreadRecorder
from lsim.engine.job import Job
from lsim.engine.machine import foreign_cores, read_cpu
from lsim.limits import THREAD_STACK_BYTES
from lsim.sync.states import bind_slot

FIRST_OP_TIMEOUT_S = 30.0  # how long to wait for every thread's first operation
# CPython hands the GIL to a waiting thread after this long (its default is 5 ms). At 5 ms a
# thread runs a whole scrape batch (~250 us) without being switched out, so a lock holder is
# almost never preempted inside its critical section and the store's mutex contends only by
# accident: measured, 0 of 5 runs at 1.6x the mutex capacity formed a convoy, while a busy
# neighbour tipped runs at 0.9x. Go runs its goroutines in parallel on P cores, so callers
# arrive while the lock is held all the time; at 0.5 ms the threads interleave within a
# batch and contention follows the load (10 of 10 default runs at 1.6x saturated like the
# reference dump, sharded-64 at 0-19% blocked, with a busy neighbour too). The report's
# machine.switch_interval_s says what the run used.
SWITCH_INTERVAL_S = 0.0005
GATE_GROUPS = 64  # steady mode: workers wait in this many groups until all have started
WAIT_SLICE_S = 0.02  # the main thread looks at the board this often while it waits
# ... with more threads than this, less often: each look needs the GIL, which the main thread
# shares with every runnable worker (measured: 10,000 threads behind a start-up backlog made
# a 1 s warm-up in 20 ms slices last 18 s).
MANY_THREADS = 2000
WAIT_SLICE_MANY_S = 0.25
PR_SET_PDEATHSIG = 1  # prctl: signal this process when its parent dies


class ChildRun:
    """One experiment in the child process: its workers, their recorders and the board."""

    def __init__(self, job: Job, board: StateBoard) -> None:
        self.job = job
        self.board = board
        self.flags = Flags(board.words)
        # The first exception of any worker, as "worker N: Type: message" (list.append is
        # atomic under the GIL; only the first one is reported).
        self.errors: list[str] = []
        self.recorders: list[ThreadRecorder] = [ThreadRecorder() for _ in range(job.threads)]
        self.counters: list[dict[str, int]] = [{} for _ in range(job.threads)]
        self.done = itertools.count(1)
        self.iteration_done = threading.Event()
        self.ops_before: list[int] = [0] * job.threads
        # Steady mode: a worker that started runs CPU-bound Python and, with the GIL, makes
        # every further Thread.start() wait for a turn (measured: 200 lock-free workers took
        # 200 s to start). So workers park on one of a few gates until all are started, and
        # the gates open group by group rather than one Event waking thousands at once.
        self.gates: list[threading.Event] = []
        self.integrations: dict[str, Any] = {}
        self.foreign_cores: float | None = None  # other processes' CPU in the window

    def stopping(self) -> bool:
        """Ctrl-C/SIGTERM (here or via the parent) or a worker failure ends the run early."""
        return bool(self.board.header(H_INTERRUPT) or self.board.header(H_WORKER_FAILED))

    @property
    def interrupted(self) -> bool:
        return bool(self.board.header(H_INTERRUPT))

    @property
    def slice_s(self) -> float:
        return WAIT_SLICE_MANY_S if self.job.threads > MANY_THREADS else WAIT_SLICE_S

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` in short slices, returning early when the run is stopping."""
        end = time.perf_counter() + seconds
        while not self.stopping():
            left = end - time.perf_counter()
            if left <= 0:
                return
            time.sleep(min(left, self.slice_s))

    def fail(self, message: str) -> None:
        self.errors.append(message)
        self.board.set_header(H_WORKER_FAILED, 1)
        self.flags.set_stop()  # the other workers stop at their next step

    def body(self, index: int, iteration: int) -> None:
        slot = self.board.slot(index)
        bind_slot(slot)
        if self.gates:
            self.gates[index % len(self.gates)].wait()
        slot.wake()
        try:
            self.job.run_thread(
                index, iteration, slot, self.flags, self.recorders[index], self.counters[index]
            )
        except BaseException as error:  # a worker that dies makes the run fail
            self.fail(f"worker {index}: {type(error).__name__}: {_short(error)}")
        finally:
            slot.finish()
            # itertools.count.__next__ is atomic under the GIL: the last finisher signals
            if next(self.done) == self.job.threads:
                self.iteration_done.set()

    def start_threads(self, iteration: int) -> float:
        started = time.perf_counter()
        for index in range(self.job.threads):
            if self.stopping():  # Ctrl-C while starting: report what we have
                break
            try:
                threading.Thread(
                    target=self.body, args=(index, iteration), name=f"worker-{index}", daemon=True
                ).start()
            except RuntimeError as error:  # "can't start new thread": a limit of the machine
                self.fail(
                    f"could not start thread {index + 1:,} of {self.job.threads:,}: {error} "
                    "(a limit of this machine: fewer threads, or --engine model)"
                )
                break
            self.board.set_header(H_THREADS_STARTED, index + 1)
        return time.perf_counter() - started

    def wait_first_ops(self) -> float:
        """Measuring starts once every thread has begun its plan (or the timeout): passed
        its start gate, so it got the GIL once and is running, queued on a lock or asleep
        (DESIGN.md §5: thousands of threads woken at once may not run for seconds). Waiting
        for every thread's first completed call instead kept 10,000 threads behind a
        start-up backlog for minutes."""
        started = time.perf_counter()
        started_threads = self.board.header(H_THREADS_STARTED)
        while time.perf_counter() - started < FIRST_OP_TIMEOUT_S and not self.stopping():
            if self.board.threads_ran() >= started_threads:
                break
            time.sleep(self.slice_s)
        return time.perf_counter() - started


def _short(error: BaseException, limit: int = 300) -> str:
    text = str(error).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _install_signals(board: StateBoard) -> None:
    """Ctrl-C and SIGTERM only raise a flag on the board; then let them through (the parent
    forked with them blocked, so none arrived before this handler)."""

    def on_signal(signum: int, frame: object) -> None:
        board.words[H_INTERRUPT] = 1  # one store into shared memory: no lock, no I/O

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    # the parent died (SIGKILL): stop too, instead of running on as an orphan
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, (signal.SIGINT, signal.SIGTERM))


def child_main(job: Job, board: StateBoard, conn: Connection) -> None:
    """Entry point of the experiment process."""
    try:
        _install_signals(board)
        result = _run(job, board)
        conn.send(result)
    except BaseException as error:  # report, never hang the parent
        board.set_header(H_FAILED, 1)
        # the parent may be gone or the pipe broken: then there is nothing to tell
        with contextlib.suppress(BaseException):
            conn.send(
                {
                    "error": f"{type(error).__name__}: {_short(error)}",
                    "traceback": traceback.format_exc(),
                }
            )
    finally:
        try:
            conn.close()
        finally:
            os._exit(0)


def _run(job: Job, board: StateBoard) -> dict[str, Any]:
    threading.stack_size(THREAD_STACK_BYTES)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    began = time.perf_counter()
    job.setup()
    run = ChildRun(job, board)
    board.set_header(H_PHASE, PHASE_WARMUP)
    timings: dict[str, float] = {"setup_s": time.perf_counter() - began}
    window = _burst(run, timings) if job.mode == "burst" else _steady(run, timings)
    return collect(run, window, timings)


def _steady(run: ChildRun, timings: dict[str, float]) -> tuple[float, float, list[dict[str, Any]]]:
    run.gates = [threading.Event() for _ in range(min(GATE_GROUPS, run.job.threads))]
    timings["start_threads_s"] = run.start_threads(0)
    for gate in run.gates:
        gate.set()
    timings["first_ops_s"] = run.wait_first_ops()
    timings["threads_not_run"] = float(run.job.threads - run.board.threads_ran())
    run.wait(run.job.warmup_s)
    baseline = lock_snapshots(run.job)
    ops_before = run.board.ops_per_slot()
    run.job.window_started()
    run.flags.set_measuring(True)
    run.board.set_header(H_WINDOW_START_MS, run.board.now_ms())
    run.board.set_header(H_PHASE, PHASE_MEASURING)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    machine0 = read_cpu(_own_pids())
    run.wait(run.job.duration_s)
    t1 = time.perf_counter()
    if run.board.header(H_STOP) and not run.stopping():  # the parent ended it: we woke late
        ms = run.board.header(H_WINDOW_END_MS) - run.board.header(H_WINDOW_START_MS)
        t1 = min(t1, t0 + ms / 1000)
    timings["cpu_s"] = time.process_time() - cpu0
    run.foreign_cores = foreign_cores(machine0, read_cpu(_own_pids()))
    run.flags.set_measuring(False)
    run.integrations = run.job.window_ended()
    run.board.set_header(H_PHASE, PHASE_FINISHED)
    run.flags.set_stop()
    run.ops_before = ops_before
    return t0, t1, baseline


def _burst(run: ChildRun, timings: dict[str, float]) -> tuple[float, float, list[dict[str, Any]]]:
    baseline = lock_snapshots(run.job)
    run.job.window_started()
    run.flags.set_measuring(True)
    run.board.set_header(H_PHASE, PHASE_MEASURING)
    iteration_s: list[float] = []
    spawn_s: list[float] = []
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    machine0 = read_cpu(_own_pids())
    for iteration in range(run.job.iterations):
        run.board.set_header(H_ITERATION, iteration + 1)
        run.done = itertools.count(1)
        run.iteration_done.clear()
        began = time.perf_counter()
        spawn_s.append(run.start_threads(iteration))
        while not run.iteration_done.wait(WAIT_SLICE_S):
            if run.stopping():
                break
        iteration_s.append(time.perf_counter() - began)
        if run.stopping():
            break
    t1 = time.perf_counter()
    timings["cpu_s"] = time.process_time() - cpu0
    run.foreign_cores = foreign_cores(machine0, read_cpu(_own_pids()))
    run.flags.set_measuring(False)
    run.integrations = run.job.window_ended()
    run.board.set_header(H_PHASE, PHASE_FINISHED)
    run.flags.set_stop()
    # the same keys as the model engine's burst runs, so renderers and compare share them
    timings["iterations"] = float(len(iteration_s))
    if iteration_s:
        timings["iteration_ns_median"] = statistics.median(iteration_s) * 1e9
        timings["iteration_ns_mean"] = statistics.fmean(iteration_s) * 1e9
        timings["iteration_ns_min"] = min(iteration_s) * 1e9
        timings["iteration_ns_max"] = max(iteration_s) * 1e9
        timings["spawn_ns_median"] = statistics.median(spawn_s) * 1e9
    return t0, t1, baseline


def _own_pids() -> list[int]:
    """The experiment's processes: this one and the parent that samples its census."""
    return [os.getpid(), os.getppid()]
