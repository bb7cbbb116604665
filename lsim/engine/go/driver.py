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
    """Run ``binary args``; exit 2 from the program is a user error (its message kept)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(binary), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    messages: list[str] = []
    reader = threading.Thread(target=_read_stderr, args=(proc, messages, on_progress), daemon=True)
    reader.start()
    interrupted = False
    try:
        out = _communicate(proc)
    except KeyboardInterrupt:
        interrupted = True
        proc.send_signal(signal.SIGINT)
        try:
            out = _communicate(proc, timeout=KILL_AFTER_S)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            proc.kill()
            proc.wait()
            raise KeyboardInterrupt from None
    reader.join(timeout=5)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        detail = "; ".join(messages[-3:]) or f"exit status {proc.returncode}"
        if proc.returncode == 2:
            raise ConfigError(detail, source="go engine")
        if interrupted:
            raise KeyboardInterrupt
        raise IntegrationError(f"the go engine failed: {detail}")
    try:
        data = json.loads(out)
    except json.JSONDecodeError as error:
        raise IntegrationError(f"the go engine printed no result ({error.msg})") from None
    return ProgramResult(data, wall, interrupted or bool(data.get("interrupted")))


def _communicate(proc: subprocess.Popen[str], timeout: float | None = None) -> str:
    assert proc.stdout is not None
    # read() returns when the program closes stdout (at exit); stderr has its own reader
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    while reader.is_alive():
        reader.join(0.1)
        if deadline is not None and time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(proc.args, timeout or 0)
    proc.wait()
    return box[0] if box else ""


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
