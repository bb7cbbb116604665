"""py-spy: record the experiment process from outside (flame graph + folded stacks).

py-spy reads the experiment process's memory with ptrace rights, so it sees every thread,
including the ones parked in a lock (``--idle``), without running code inside the process.
It is an integration, not the census: the census counts lock queues exactly, py-spy shows
where in the code the threads are.

Measured on this machine (2 cores, CPython 3.11.7, py-spy 0.4.3, the default workload on
the ``mutex`` store, closed loop, 3-10 s windows; ops/s of a single run varies by +-50%, so
rows marked * are medians of 4-5 runs alternated with runs without py-spy, the others single
runs; a "snapshot" is one stack of every thread):

===========  ====================  ============  ===================  ========
threads      py-spy mode, rate     ops/s lost    snapshots taken      errors
===========  ====================  ============  ===================  ========
30 *         blocking, 5 Hz        12%           all (4.5/s)          0
30 *         blocking, 10 Hz       22%           all (10/s)           0
30 *         blocking, 32 Hz       70%           26/s                 0
30           blocking, 100 Hz      93%           ~30/s                0
30 *         non-blocking, 10 Hz   14%           7/s                  ~2/s
30 *         non-blocking, 32 Hz   8-40%         24/s                 ~7/s
200 *        blocking, 1 Hz        3%            all                  0
200 *        blocking, 3 Hz        11%           all                  0
200          blocking, 20 Hz       80%           9/s                  0
200 *        non-blocking, 10 Hz   19%           3-7/s                3-7/s
1,000 *      blocking, 1 Hz        60%           0.25-0.9/s           0
1,000        blocking, 10-100 Hz   94-97%        ~2/s                 0
1,000 *      non-blocking, 1 Hz    ~50%          0-0.5/s              ~0
2,000        blocking, 1 Hz        61%           0.4/s                0
4,000        any                   80-90%        0-0.3/s              0
===========  ====================  ============  ===================  ========

* py-spy 0.4 no longer overruns: a recording ends on time and drops the snapshots it could
  not take (older versions ran a 3 s recording of 2,000 threads for 52 s).
* Blocking sampling (py-spy's default) stops every thread for the whole snapshot, about
  0.2-0.5 ms per thread here, so its cost grows with rate x threads; it is exact (no errors)
  while that product stays near a few hundred thread-stacks per second.
* ``--nonblocking`` reads without stopping the process, at the price of torn reads (errors,
  the snapshot is dropped; at 200 threads as many as it kept). Its cost is py-spy's CPU.
* Attaching alone takes 0.1 s (200 threads) to 4-10 s (4,000 threads, ~12,000 memory maps),
  so at 1,000+ threads a short window may end with few or no snapshots (said in the result).
* py-spy refuses more than 4,096 Python threads (4,096 workers + the main thread fails with
  "Failed to find a python interpreter"); a one-off ``dump`` of 2,000 threads takes ~1 s.

So lsim samples blocking at ``rate = clamp(STACKS_PER_S // (threads + 1), 1, 100)`` with a
budget of 500 thread-stacks per second (30 threads: 16 Hz, 200: 2 Hz, 250+: 1 Hz), and
switches to non-blocking above 500 threads, where even 1 Hz would pause the process for a
large share of the window. The rate and mode are stated next to the graph.
"""

from __future__ import annotations

import math
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

from lsim.integrations import gonames
from lsim.integrations.flamegraph import format_folded, parse_folded, write_flamegraph
from lsim.integrations.pyspy_dump import PySpyDump
from lsim.integrations.pyspy_tool import (
    check_pyspy,
    explain_failure,
    find_pyspy,
    probe_ptrace,
    python_threads,
)

__all__ = [
    "PySpyDump",
    "PySpyRecord",
    "check_pyspy",
    "choose_nonblocking",
    "choose_rate",
    "classify_samples",
    "probe_ptrace",
]

STACKS_PER_S = 500  # thread-stacks per second whose pauses the run tolerates (see above)
MAX_RATE_HZ = 100
FINISH_GRACE_S = 15.0  # py-spy ends with the process; this only bounds a stuck one
_SUMMARY = re.compile(r"Samples: (\d+) Errors: (\d+)")
_GIL_MARKERS = ("take_gil", "PyEval_RestoreThread", "pthread_cond_timedwait")


def choose_rate(threads: int) -> int:
    """Snapshots per second for a process with ``threads`` workers (1..100 Hz)."""
    return max(1, min(MAX_RATE_HZ, STACKS_PER_S // python_threads(threads)))


def choose_nonblocking(threads: int) -> bool:
    """Read without pausing once even 1 Hz would exceed the pause budget."""
    return python_threads(threads) > STACKS_PER_S


def _is_python(frame: str) -> bool:
    # py-spy writes Python frames as ``func (file.py:line)``; native ones as ``func (lib.so)``
    # or ``func (file.c:line)``. ``<string>`` is code made by exec (dataclass __init__).
    path = gonames.path_of(gonames.split_frame(frame)[1])
    return path.endswith(".py") or path.startswith("<")


def _waits_for_gil(native_tail: list[str]) -> bool:
    """With ``--native``: the frames below the innermost Python frame show a GIL wait.

    CPython 3.11 blocks in ``PyThread_acquire_lock_timed`` for a lock and in the GIL's
    condition variable (``take_gil``, often inlined, leaving ``pthread_cond_timedwait``) for
    the GIL; a thread woken from a lock queue but not yet running shows the latter."""
    names = [gonames.split_frame(frame)[0] for frame in native_tail]
    if any("PyThread_acquire_lock_timed" in name for name in names):
        return False
    return any(marker in name for name in names for marker in _GIL_MARKERS)


def classify_samples(stacks: list[tuple[list[str], int]]) -> tuple[dict[str, int], int]:
    """Samples parked in an lsim lock queue, by Go state, and samples waiting for the GIL
    (only visible with ``--native``; a woken waiter waiting for the GIL is runnable)."""
    waits: dict[str, int] = {}
    gil = 0
    for frames, weight in stacks:
        python = [i for i, frame in enumerate(frames) if _is_python(frame)]
        if not python:
            continue
        if _waits_for_gil(frames[python[-1] + 1 :]):
            gil += weight
            continue
        inner = [gonames.split_frame(frames[i]) for i in python[-2:]][::-1]
        state = gonames.lock_wait_state([(n, gonames.path_of(loc)) for n, loc in inner])
        if state:
            waits[state] = waits.get(state, 0) + weight
    return waits, gil


class PySpyRecord:
    """Observer: ``py-spy record`` over the measured window, then Go-named folded + SVG."""

    def __init__(
        self,
        out_dir: Path,
        threads: int,
        duration_s: float,
        rate_hz: int | None = None,
        native: bool = False,
        nonblocking: bool | None = None,
    ) -> None:
        self.out_dir = Path(out_dir)
        self.threads = threads
        self.duration_s = duration_s
        self.rate_hz = rate_hz if rate_hz is not None else choose_rate(threads)
        if native and nonblocking:
            raise ValueError("py-spy cannot take native stacks without pausing (--nonblocking)")
        self.native = native
        # py-spy refuses --native with --nonblocking, so native always pauses the process
        auto = choose_nonblocking(threads) and not native
        self.nonblocking = auto if nonblocking is None else nonblocking
        self.raw_path = self.out_dir / "pyspy-raw.folded"
        self.log_path = self.out_dir / "pyspy.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._executable: str | None = None

    def check(self, probe: bool = True) -> None:
        """Fail before the run: too many threads for py-spy (LimitError), py-spy missing or
        not permitted to attach (IntegrationError)."""
        self._executable = check_pyspy(self.threads, probe=probe)

    def command(self, pid: int) -> list[str]:
        cmd = [
            self._executable or find_pyspy(),
            "record",
            "--pid",
            str(pid),
            "--idle",
            "--format",
            "raw",
            "--rate",
            str(self.rate_hz),
            "--duration",
            str(max(1, math.ceil(self.duration_s))),
            "-o",
            str(self.raw_path),
        ]
        if self.native:
            cmd.append("--native")  # separates GIL waits (take_gil) from lock waits
        if self.nonblocking:
            cmd.append("--nonblocking")
        return cmd

    def start(self, pid: int) -> None:
        # Must return at once: the parent is sampling the census at 100 Hz.
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.raw_path.unlink(missing_ok=True)
        with self.log_path.open("wb") as log:  # a file, not a pipe: a full pipe would stall it
            self._proc = subprocess.Popen(
                self.command(pid), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def finish(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "folded": None,
            "raw_folded": None,
            "svg": None,
            "rate_hz": self.rate_hz,
            "nonblocking": self.nonblocking,
            "native": self.native,
            "samples": 0,
            "snapshots": 0,
            "errors": 0,
            "lock_wait_samples": {},
            "gil_wait_samples": None,
            "log": str(self.log_path),
            "error": None,
        }
        if self._proc is None:
            result["error"] = "py-spy was not started (the run ended before its measured window)"
            return {"py_spy": result}
        returncode = _wait_or_stop(self._proc, self.duration_s + FINISH_GRACE_S)
        output = self.log_path.read_text("utf-8", errors="replace")
        summary = _SUMMARY.search(output)
        if summary:
            result["errors"] = int(summary.group(2))
        if returncode != 0 or not self.raw_path.exists():
            result["error"] = explain_failure(output, returncode)
            return {"py_spy": result}
        stacks = parse_folded(self.raw_path.read_text("utf-8", errors="replace"))
        go_stacks = [(gonames.go_stack(frames), weight) for frames, weight in stacks]
        folded = self.out_dir / "pyspy.folded"
        folded.write_text(format_folded(go_stacks), encoding="utf-8")
        svg = write_flamegraph(
            go_stacks,
            self.out_dir / "pyspy.svg",
            title=f"py-spy --idle, {self.threads:,} threads, {self.rate_hz} Hz"
            + (", non-blocking" if self.nonblocking else ""),
        )
        samples = sum(weight for _, weight in stacks)
        waits, gil = classify_samples(stacks)
        result.update(
            folded=str(folded),
            raw_folded=str(self.raw_path),
            svg=str(svg),
            samples=samples,
            snapshots=round(samples / python_threads(self.threads)),
            lock_wait_samples=waits,
            gil_wait_samples=gil if self.native else None,
        )
        if not samples:
            result["error"] = (
                "py-spy took no samples: attaching to a process with "
                f"{self.threads:,} threads took longer than the window; try a longer --duration"
            )
        return {"py_spy": result}


def _wait_or_stop(proc: subprocess.Popen[bytes], timeout_s: float) -> int:
    """Wait for py-spy; if it hangs, Ctrl-C it (it writes what it has), then kill it."""
    try:
        return proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=5.0)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()
