"""Run the Go program on a plan file: progress from its stderr, its result from stdout.

The program prints JSON lines on stderr while it runs (``{"phase": "measuring", "done":
0.4}``) and one JSON result on stdout when it ends. Ctrl-C is passed on once (SIGINT to the
program, which stops its window early and still prints its result); a program that has not
ended 10 s later is killed.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsim.errors import ConfigError, IntegrationError

ProgressLine = Callable[[dict[str, Any]], None]
KILL_AFTER_S = 10.0
STDERR_KEEP = 40


@dataclass
class ProgramResult:
    data: dict[str, Any]
    wall_s: float
    interrupted: bool


def run_program(
    binary: Path, args: list[str], on_progress: ProgressLine | None = None
) -> ProgramResult:
    """Run ``binary args``; exit 2 from the program is a user error (its message kept).

    Ctrl-C/SIGTERM only set a flag here (``lsim.engine.interrupt``): the first one is passed
    on to the program as one SIGINT, which ends its window and still prints the result; the
    rest of a burst is ignored; a program silent ``KILL_AFTER_S`` later is killed.
    """
    from lsim.engine.interrupt import interruptible

    start = time.perf_counter()
    with interruptible() as stop_requested:
        proc = subprocess.Popen(
            [str(binary), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        messages: list[str] = []
        errors = threading.Thread(
            target=_read_stderr, args=(proc, messages, on_progress), daemon=True
        )
        errors.start()
        out: list[str] = []
        assert proc.stdout is not None
        stdout = proc.stdout
        # one reader for stdout: it returns when the program closes it (at exit)
        reader = threading.Thread(target=lambda: out.append(stdout.read()), daemon=True)
        reader.start()
        forwarded_at: float | None = None
        while reader.is_alive():
            reader.join(0.1)
            if stop_requested() and forwarded_at is None:
                proc.send_signal(signal.SIGINT)
                forwarded_at = time.monotonic()
            if forwarded_at is not None and time.monotonic() - forwarded_at > KILL_AFTER_S:
                proc.kill()
                break
        proc.wait()
        errors.join(timeout=5)
    interrupted = forwarded_at is not None
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        detail = "; ".join(messages[-3:]) or f"exit status {proc.returncode}"
        if interrupted:
            from lsim.engine.interrupt import Interrupted

            raise Interrupted("interrupted before the go engine had a result")
        if proc.returncode == 2:
            raise ConfigError(detail, source="go engine")
        raise IntegrationError(f"the go engine failed: {detail}")
    try:
        data = json.loads(out[0] if out else "")
    except json.JSONDecodeError as error:
        raise IntegrationError(f"the go engine printed no result ({error.msg})") from None
    return ProgramResult(data, wall, interrupted or bool(data.get("interrupted")))


def _read_stderr(
    proc: subprocess.Popen[str], messages: list[str], on_progress: ProgressLine | None
) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                event = None
            if isinstance(event, dict) and "phase" in event:
                if on_progress is not None:
                    on_progress(event)
                continue
        messages.append(line)
        del messages[:-STDERR_KEEP]
