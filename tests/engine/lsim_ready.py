"""Run ``lsim ARGS`` and tell the test, through a pipe, when the run is measuring.

``python tests/engine/lsim_ready.py FD ARGS...``: the threads engine's child writes
``m<pid>\\n`` to FD when its measured window opens; the model engine writes ``t<pid>\\n`` at
its first census tick. Tests wait on the pipe (an event with a timeout), never on a sleep.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def _install(fd: int) -> None:
    from lsim.engine import board
    from lsim.engine.model import run as model_run

    set_header = board.StateBoard.set_header
    told = {"threads": False, "model": False}

    def ready_set_header(self: Any, index: int, value: int) -> None:
        set_header(self, index, value)
        if index == board.H_PHASE and value == board.PHASE_MEASURING and not told["threads"]:
            told["threads"] = True
            os.write(fd, f"m{os.getpid()}\n".encode())

    board.StateBoard.set_header = ready_set_header  # type: ignore[method-assign]
    tick = model_run._Model.tick

    def ready_tick(self: Any, sim: Any) -> int:
        if not told["model"]:
            told["model"] = True
            os.write(fd, f"t{os.getpid()}\n".encode())
        result: int = tick(self, sim)
        return result

    model_run._Model.tick = ready_tick  # type: ignore[method-assign]


if __name__ == "__main__":
    _install(int(sys.argv[1]))
    from lsim.cli.app import main

    sys.argv = ["lsim", *sys.argv[2:]]
    main()
