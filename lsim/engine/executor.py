"""Executes a thread's plan (a stream of :class:`~lsim.workload.steps.Step`) against a store.

The meaning of each step is fixed in :mod:`lsim.workload.steps`; this is the real-thread
executor. It publishes the thread's state on the board around every store call and records
per-operation latency while the experiment is measuring.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from time import perf_counter_ns

from lsim.engine.board import H_MEASURING, H_STOP, BoardSlot
from lsim.engine.fanoutexec import FanoutCalls
from lsim.engine.latency import SUB_BUCKET_BITS
from lsim.labels import Labels
from lsim.stores.base import STALE_NAN, LabelStore, StalenessTracker
from lsim.sync.states import Operation
from lsim.workload.steps import Condition, Step

OP_COUNT = len(Operation)


GOLDEN_RATIO_FRACTION = 0.6180339887498949


def scrape_phase(thread_index: int) -> float:
    """A deterministic, evenly spread phase in [0, 1) for thread ``thread_index``."""
    return (thread_index * GOLDEN_RATIO_FRACTION) % 1.0


class Flags:
    """Run-wide switches, kept in the board header (shared memory) so that the parent can
    end a window too: with thousands of CPU-bound workers the child's own main thread may
    wait seconds for the GIL, while workers see a flag in shared memory at their next step.
    Workers only read them."""

    __slots__ = ("_words",)

    def __init__(self, words: memoryview | None = None) -> None:
        self._words = words if words is not None else memoryview(bytearray(64)).cast("I")

    @property
    def stop(self) -> bool:
        return self._words[H_STOP] != 0

    @property
    def measuring(self) -> bool:
        return self._words[H_MEASURING] != 0 and self._words[H_STOP] == 0

    def set_stop(self) -> None:
        self._words[H_STOP] = 1

    def set_measuring(self, on: bool) -> None:
        self._words[H_MEASURING] = int(on)


class ThreadRecorder:
    """Per-thread latencies (no sharing), merged after the run into HDR histograms.

    ``hist[op]`` counts calls by their value quantized as ``lsim.engine.latency.quantize``
    does (inlined: this is every call's hot path), i.e. exactly what an HdrHistogram with
    3 significant digits would count.
    """

    __slots__ = ("hist", "count", "max_ns")

    def __init__(self) -> None:
        self.hist: list[dict[int, int] | None] = [None] * OP_COUNT
        self.count = [0] * OP_COUNT
        self.max_ns = [0] * OP_COUNT

    def record(self, op: int, elapsed_ns: int) -> None:
        hist = self.hist[op]
        if hist is None:
            hist = self.hist[op] = {}
        shift = elapsed_ns.bit_length() - SUB_BUCKET_BITS
        if shift > 0:
            elapsed_q = (elapsed_ns >> shift) << shift
            hist[elapsed_q] = hist.get(elapsed_q, 0) + 1
        else:
            hist[elapsed_ns] = hist.get(elapsed_ns, 0) + 1
        self.count[op] += 1
        if elapsed_ns > self.max_ns[op]:
            self.max_ns[op] = elapsed_ns


class StepExecutor:
    """One thread's executor: the ``gid``/``last_local`` context of the plan contract."""

    def __init__(
        self,
        store: LabelStore,
        labels_of: Callable[[int], Labels],
        components: tuple[str, ...],
        slot: BoardSlot,
        flags: Flags,
        recorder: ThreadRecorder,
        counters: dict[str, int],
        sleep: Callable[[float], None] = time.sleep,
        phase: float = 0.0,
    ) -> None:
        self.store = store
        self.labels_of = labels_of
        self.components = components
        self.slot = slot
        self.flags = flags
        self.recorder = recorder
        self.counters = counters
        self.sleep = sleep
        self.gid: dict[int, int] = {}
        self.last_local = 0
        self.started = time.monotonic()
        self.next_due = 0.0  # set at the first pace step
        self.phase = phase
        # directfanout: its own per-thread context (the fanout steps of steps.py)
        self.fanout = FanoutCalls(store, labels_of) if store.calls == "fanout" else None

    def run(self, steps: Iterable[Step]) -> None:
        flags = self.flags
        for step in steps:
            if flags.stop:
                return
            if step.op is Operation.NONE:
                self._think(step)
            else:
                self._call(step)

    def _think(self, step: Step) -> None:
        if step.pace_period_s > 0:
            # Pacing: the thread is due every period since it started. When it is already
            # past its next due time it is behind (saturated): no sleep, and the miss counts.
            now = time.monotonic()
            if not self.next_due:
                # Like Prometheus' scrape offsets, each target gets its own phase in the
                # interval so that batches are spread out instead of arriving in lock-step.
                self.next_due = self.started + self.phase * step.pace_period_s
            else:
                self.next_due += step.pace_period_s
            delay = self.next_due - now
            if self.flags.measuring:
                counters = self.counters
                counters["pace_steps"] = counters.get("pace_steps", 0) + 1
                if delay <= 0:
                    counters["pace_missed"] = counters.get("pace_missed", 0) + 1
            if delay <= 0:
                self.next_due = now
                return
        else:
            delay = step.pause_s
        if delay > 0:
            self.slot.sleep()
            self.sleep(delay)
            self.slot.wake()

    def _call(self, step: Step) -> None:
        op = step.op
        store = self.store
        if step.condition is not Condition.ALWAYS and self._skipped(step):
            return
        slot = self.slot
        slot.enter(op)
        t0 = perf_counter_ns()
        if op is Operation.GET_OR_ADD_GLOBAL_REF_ID:
            self.gid[step.series] = store.get_or_add_global_ref_id(self.labels_of(step.series))
        elif op is Operation.GET_LOCAL_REF_ID:
            self.last_local = store.get_local_ref_id(
                self.components[step.component], self.gid.get(step.series, 0)
            )
        elif op is Operation.ADD_LOCAL_LINK:
            store.add_local_link(
                self.components[step.component], self.gid.get(step.series, 0), step.local_id
            )
        elif op is Operation.REPLACE_LOCAL_LINK:
            store.replace_local_link(
                self.components[step.component],
                self.gid.get(step.series, 0),
                self.last_local,
                step.local_id,
            )
        elif op is Operation.GET_OR_ADD_LINK:
            self.gid[step.series] = store.get_or_add_link(
                self.components[step.component], step.local_id, self.labels_of(step.series)
            )
        elif op is Operation.TRACK_STALENESS:
            store.track_staleness(self._trackers(step))
        elif op is Operation.CHECK_AND_REMOVE_STALE_MARKERS:
            store.check_and_remove_stale_markers()
        elif op is Operation.COLLECT:
            store.collect()
        elif self.fanout is not None:
            self.fanout.run(step)
        elapsed = perf_counter_ns() - t0
        slot.leave()
        if self.flags.measuring:
            self.recorder.record(op, elapsed)

    def _skipped(self, step: Step) -> bool:
        """Add only for a new series, Replace only when the WAL handed out a new ref."""
        if self.fanout is not None:
            return self.fanout.skipped(step)
        last = self.last_local
        if step.condition is Condition.IF_NO_LOCAL:
            return last != 0
        return last == 0 or last == step.local_id  # IF_LOCAL_CHANGED

    def _trackers(self, step: Step) -> list[StalenessTracker]:
        gid = self.gid
        labels_of = self.labels_of
        trackers = [StalenessTracker(gid.get(s, 0), STALE_NAN, labels_of(s)) for s in step.stale]
        trackers += [StalenessTracker(gid.get(s, 0), 1.0, labels_of(s)) for s in step.live]
        return trackers
