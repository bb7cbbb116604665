"""Ctrl-C and SIGTERM during a run: a flag, never an exception in the middle of the work.

While an engine runs, SIGINT and SIGTERM only set a flag (no locks, no I/O: a handler can
run between any two bytecodes of the main thread, including inside a lock's ``acquire``).
The engine polls the flag, ends its measured window early and reports what it measured,
marked interrupted. The flag stays set after the run (:func:`was_interrupted`), so that a
command which is still writing that report can ignore the rest of a burst of Ctrl-Cs.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from lsim.errors import EXIT_INTERRUPTED, Interrupted, RunFailed

SIGNALS = (signal.SIGINT, signal.SIGTERM)
__all__ = ["EXIT_INTERRUPTED", "Interrupted", "RunFailed", "interruptible", "signals_blocked"]


class _State:
    """One per process. ``requested`` is set by the handler; read and reset by engines."""

    requested = False  # a signal arrived during the current run
    ever = False  # a run of this process was interrupted (the CLI then finishes quietly)
    signum = 0


state = _State()


def _on_signal(signum: int, frame: object) -> None:
    # Only attribute stores: safe whatever the main thread was doing when it arrived.
    state.requested = True
    state.ever = True
    state.signum = signum


def was_interrupted() -> bool:
    return state.ever


def requested() -> bool:
    return state.requested


@contextmanager
def interruptible() -> Iterator[Callable[[], bool]]:
    """Within the block, SIGINT/SIGTERM set the flag that the yielded function reads.

    Outside the main thread (signals cannot be handled there) the block runs unchanged and
    the function reads whatever another run set.
    """
    state.requested = False
    if threading.current_thread() is not threading.main_thread():
        yield requested
        return
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    for sig in SIGNALS:
        signal.signal(sig, _on_signal)
    try:
        yield requested
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


@contextmanager
def signals_blocked() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back in this thread (around ``fork``: the child inherits the mask
    and unblocks once its own handlers are in place, so no signal falls between the two)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
