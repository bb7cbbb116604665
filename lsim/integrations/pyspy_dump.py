"""One ``py-spy dump --json`` snapshot of the experiment process, saved beside the census.

A dump is the closest Python has to a Go goroutine dump: every thread with its frames and
py-spy's ``active``/``owns_gil`` flags. It is one moment, while the census is a distribution
over many, so the summary counts what the snapshot shows (threads parked in each lock, by Go
state) and the census stays the number to quote. A blocking dump stops the process while it
reads it (measured: ~0.1 s at 200 threads, ~1 s at 2,000, ~4-5 s at 4,000), so it is taken
once, shortly after the window opens, and its pause is reported.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from lsim.errors import LsimError
from lsim.integrations import gonames
from lsim.integrations.pyspy_tool import explain_failure, find_pyspy, tracer_busy

DUMP_DELAY_S = 0.5  # let the window settle: the first operations after warm-up are atypical
DUMP_TIMEOUT_S = 60.0
DUMP_ATTEMPTS = 20
DUMP_RETRY_S = 0.05


def summarize_dump(threads: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts from py-spy's JSON (a list of threads, frames innermost first)."""
    waits: Counter[str] = Counter()
    tops: Counter[str] = Counter()
    for thread in threads:
        frames = thread.get("frames") or []
        state = gonames.lock_wait_state([(f["name"], f["filename"]) for f in frames[:2]])
        if state:
            waits[state] += 1
        if frames:
            root_first = [f"{f['name']} ({f['filename']}:{f['line']})" for f in reversed(frames)]
            tops[gonames.split_frame(gonames.go_stack(root_first)[-1])[0]] += 1
    return {
        "threads": len(threads),
        "lock_waits": dict(waits),
        "blocked": sum(waits.values()),
        "active": sum(1 for t in threads if t.get("active")),
        "owns_gil": sum(1 for t in threads if t.get("owns_gil")),
        "top_functions": dict(tops.most_common(5)),
    }


class PySpyDump:
    """Observer: one ``py-spy dump --json`` shortly after the window opens."""

    def __init__(self, out_dir: Path, delay_s: float = DUMP_DELAY_S) -> None:
        self.out_dir = Path(out_dir)
        self.delay_s = delay_s
        self.path = self.out_dir / "pyspy-dump.json"
        self._timer: threading.Timer | None = None
        self._result: dict[str, Any] | None = None
        self._finishing = threading.Event()
        self.taken = threading.Event()  # set once the dump was attempted (for callers, tests)

    def start(self, pid: int) -> None:
        # A timer thread, not a sleep: the parent's census loop must keep its 100 Hz.
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._timer = threading.Timer(self.delay_s, self._dump, args=(pid,))
        self._timer.daemon = True
        self._timer.start()

    def _dump(self, pid: int) -> None:
        try:
            self._result = self._take(pid)
        except (LsimError, OSError) as error:  # py-spy gone, unwritable dir: say so in the run
            self._result = {"error": str(error)}
        finally:
            self.taken.set()

    def _take(self, pid: int) -> dict[str, Any]:
        cmd = [find_pyspy(), "dump", "--pid", str(pid), "--json"]
        attempts = 0
        while True:
            attempts += 1
            began = time.perf_counter()
            try:
                done = subprocess.run(cmd, capture_output=True, timeout=DUMP_TIMEOUT_S, check=False)
            except subprocess.TimeoutExpired:
                return {"error": f"py-spy dump took longer than {DUMP_TIMEOUT_S:.0f} s"}
            paused_s = time.perf_counter() - began
            output = (done.stdout + done.stderr).decode("utf-8", errors="replace")
            # A blocking ``py-spy record`` of the same run holds the threads for a few ms per
            # snapshot; a dump that tries to pause them meanwhile gets EPERM. Try again.
            if (
                done.returncode == 0
                or not tracer_busy(output)
                or attempts == DUMP_ATTEMPTS
                or self._finishing.is_set()
            ):
                break
            self._finishing.wait(DUMP_RETRY_S)
        if done.returncode != 0:
            return {"error": explain_failure(output, done.returncode), "attempts": attempts}
        try:
            threads = json.loads(done.stdout)
        except json.JSONDecodeError as error:
            return {"error": f"py-spy dump printed invalid JSON: {error}"}
        self.path.write_bytes(done.stdout)
        return {
            "path": str(self.path),
            "dump_s": round(paused_s, 3),
            "attempts": attempts,
            "error": None,
            **summarize_dump(threads),
        }

    def finish(self) -> dict[str, Any]:
        self._finishing.set()
        if self._timer is not None:
            self._timer.cancel()  # a dump not begun yet would hit a process that is leaving
            self._timer.join(DUMP_TIMEOUT_S + 5.0)  # one already running is allowed to end
        result = self._result or {
            "error": f"no dump: the measured window ended within {self.delay_s:g} s"
        }
        return {"py_spy_dump": result}
