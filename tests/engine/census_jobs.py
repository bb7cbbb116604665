"""Jobs whose census answer is known, for checking the threads engine's observer."""

from __future__ import annotations

import threading
import time
from typing import Any

from lsim.engine.board import BoardSlot
from lsim.engine.executor import Flags, ThreadRecorder
from lsim.sync import Mutex
from lsim.sync.states import Operation


class HolderJob:
    """Thread 0 holds one Mutex for ``hold_s`` of every ``hold_s + gap_s`` cycle, sleeping
    (GIL released) while it holds it; threads 1..W wait for the hold to begin, then queue on
    the mutex until it is released. Each waiter measures the time it spends inside ``lock()``
    during the measured window: summed over threads and divided by the window, that is the
    true mean number of threads waiting, which the census must reproduce."""

    mode = "steady"
    iterations = 1

    def __init__(self, waiters: int, hold_s: float, gap_s: float, duration_s: float) -> None:
        self.threads = waiters + 1
        self.hold_s = hold_s
        self.gap_s = gap_s
        self.duration_s = duration_s
        self.warmup_s = 0.2
        self.mutex: Mutex | None = None
        self.held = threading.Event()

    def setup(self) -> None:
        self.mutex = Mutex("census.test.mut")

    def run_thread(
        self,
        index: int,
        iteration: int,
        slot: BoardSlot,
        flags: Flags,
        rec: ThreadRecorder,
        counters: dict[str, int],
    ) -> None:
        assert self.mutex is not None
        mutex = self.mutex
        while not flags.stop:
            if index == 0:
                slot.enter(Operation.GET_OR_ADD_GLOBAL_REF_ID)
                mutex.lock()
                self.held.set()
                slot.sleep()
                time.sleep(self.hold_s)
                self.held.clear()
                mutex.unlock()
                slot.leave()
                slot.sleep()
                time.sleep(self.gap_s)
                slot.wake()
                continue
            slot.sleep()
            if not self.held.wait(0.5):
                slot.wake()
                continue
            slot.wake()
            slot.enter(Operation.GET_LOCAL_REF_ID)
            began = time.perf_counter_ns()
            mutex.lock()
            ended = time.perf_counter_ns()
            mutex.unlock()
            slot.leave()
            if flags.measuring:
                counters["waited_ns"] = counters.get("waited_ns", 0) + ended - began
            # wait for this hold to end so each waiter queues once per cycle
            while self.held.is_set() and not flags.stop:
                slot.sleep()
                time.sleep(self.hold_s / 20)
                slot.wake()

    def window_started(self) -> None:
        return None

    def window_ended(self) -> dict[str, Any]:
        return {}

    def locks(self) -> list[Any]:
        return [self.mutex] if self.mutex else []

    def stacks(self) -> dict[str, list[list[str]]]:
        return {}
