"""Compile an experiment into the go engine's plan file (format: ``PROTOCOL.md`` beside this).

One meaning of a workload: every goroutine's steps come from
:func:`lsim.workload.plan.thread_steps`, the stream the threads and model engines execute;
the Go program only executes them. A steady plan is endless, so it is cut into *cycles*
(each ends with its pause step) and sent as a prefix, run once, and a loop, replayed:

* a static plan (every cycle after the first is the same, e.g. a paced scrape with stable
  ids) sends its repeating cycle once, and the first cycle only where it differs;
* any other plan (churn, WAL ref changes, random mixes) sends as many distinct cycles as the
  run can use at the workload's pace, within a step budget; a goroutine that gets through
  them all replays them, and the report says so (``PlanStats.replay_after``); the new
  series of a replayed pass get a new label set, so they are still new (``fresh_from``).
"""

from __future__ import annotations

import itertools
import json
import math
import struct
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from lsim.engine.executor import scrape_phase
from lsim.stores import calls_of, store_options
from lsim.sync.states import Operation
from lsim.workload.fanoutplan import prepopulated_mappings
from lsim.workload.ids import prepopulated_local_id
from lsim.workload.model import Workload
from lsim.workload.plan import thread_steps
from lsim.workload.series import SeriesSet
from lsim.workload.steps import Condition, Step

MAGIC = b"LSIMPLAN1\n"
# Distinct steps sent beyond each goroutine's first cycle, all goroutines together
# (~72 bytes each on the wire): bounds the file and the time Python spends writing it.
STEP_BUDGET = 600_000
MIN_LOOP = 256  # steps at least sent per goroutine beyond its first cycle
# ... and at most, for plans that never repeat (random mixes): 20,000 draws per goroutine
# already give each operation's share to within a few tenths of a point.
MAX_LOOP = 20_000
MAX_CYCLE = 100_000  # a paced cycle longer than this is sent as it is, once
_NONE = Operation.NONE


@dataclass(frozen=True)
class GoRun:
    """What the Go program is asked to run (the resolved settings of one experiment)."""

    workload: Workload
    store: str
    shards: int | None
    goroutines: int
    gomaxprocs: int
    census_budget: float = 0.05
    census_min_interval_s: float = 0.01


@dataclass
class PlanStats:
    """What was written, for the report."""

    steps: int = 0
    series: int = 0
    static_goroutines: int = 0
    # goroutine -> store calls in its sent plan (prefix + loop) for non-static plans: beyond
    # that many calls it replays cycles it has done before.
    replay_after: dict[int, int] = field(default_factory=dict)
    bytes: int = 0


class _Writer:
    def __init__(self) -> None:
        self.words = array("q")
        self.series: set[int] = set()
        self.steps = 0

    def plan(self, steps: list[Step]) -> None:
        words, series = self.words, self.series
        words.append(len(steps))
        for s in steps:
            words.extend(
                (
                    int(s.op),
                    s.series,
                    s.component,
                    s.local_id,
                    int(s.condition),
                    round(s.pause_s * 1e9),
                    round(s.pace_period_s * 1e9),
                    len(s.stale),
                    len(s.live) + len(s.refs),
                )
            )
            if s.refs:  # Create/UpdateMapping: child refs where the live list goes
                words.extend(s.refs)
            if s.stale:
                words.extend(s.stale)
                series.update(s.stale)
            if s.live:
                words.extend(s.live)
                series.update(s.live)
            if s.series >= 0:
                series.add(s.series)
        self.steps += len(steps)


def _is_work(step: Step) -> bool:
    """A work step (a sample a Fanout passes through): the Go program has nothing to do."""
    return step.op is _NONE and step.series >= 0


def _steps(w: Workload, g: int, calls: str, iteration: int = 0) -> Iterator[Step]:
    """Goroutine ``g``'s plan for the Go program: work steps dropped."""
    return (s for s in thread_steps(w, g, iteration=iteration, calls=calls) if not _is_work(s))


def _cycles(steps: Iterator[Step]) -> Iterator[list[Step]]:
    """Cut an endless paced plan into cycles, each ending with its pause step."""
    while True:
        cycle: list[Step] = []
        for step in steps:
            cycle.append(step)
            if step.op is _NONE or len(cycle) >= MAX_CYCLE:
                break
        if not cycle:
            return
        yield cycle
        if cycle[-1].op is not _NONE:  # the plan ended (or a cycle too long to keep)
            return


def periodic_tail(seq: list[Step]) -> tuple[int, int] | None:
    """``(start, period)`` when ``seq[start:]`` repeats with ``period`` at least twice, so
    ``seq[:start] + seq[start:start+period] * k`` is the sequence itself; else None.

    A closed loop has no pause step to cut it into cycles; a static one (the same batch over
    and over) is still periodic, and this finds its period from the steps alone.
    """
    n = len(seq)
    last = seq[-1] if seq else None
    for period in range(1, n // 2 + 1):
        if seq[n - 1 - period] != last or seq[n - 2 * period : n - period] != seq[n - period :]:
            continue
        start = n - 2 * period
        while start > 0 and seq[start - 1] == seq[start - 1 + period]:
            start -= 1
        return start, period
    return None


def _closed_loop_plan(
    w: Workload, g: int, budget: int, calls: str
) -> tuple[list[Step], list[Step], bool]:
    drawn = list(itertools.islice(thread_steps(w, g, calls=calls), budget))
    seq = [s for s in drawn if not _is_work(s)]
    if len(seq) < budget:  # a finite plan (or one with no call: directfanout's passthrough)
        return seq, [], True
    found = static_tail(seq)
    if found is not None:
        start, period = found
        return seq[:start], seq[start : start + period], True
    return [], seq, False


def static_tail(seq: list[Step]) -> tuple[int, int] | None:
    """:func:`periodic_tail`, when the repeating part is at least half of ``seq``: a static
    closed loop repeats from (nearly) its start, while a random mix's draw can end with two
    equal steps by chance (a GetLocalRefID of the series the one before looked up), which
    is no period: sent as a one-step loop, that goroutine would replay that call forever."""
    found = periodic_tail(seq)
    if found is None or 2 * (len(seq) - found[0]) < len(seq):
        return None
    return found


def _calls(steps: list[Step]) -> int:
    return sum(1 for s in steps if s.op is not _NONE)


def _steady_plan(
    w: Workload, g: int, budget: int, cycles_needed: int, calls: str = "labelstore"
) -> tuple[list[Step], list[Step], bool]:
    """(prefix, loop, static) for goroutine ``g``."""
    if w.pacing.closed_loop:
        return _closed_loop_plan(w, g, budget, calls)
    cycles = _cycles(_steps(w, g, calls))
    first = next(cycles, [])
    second = next(cycles, None)
    if second is None:  # a finite plan: run it once
        return first, [], True
    third = next(cycles, None)
    if third is None:
        return first + second, [], True
    if second == third:
        return ([] if first == second else first), second, True
    loop = second + third
    for cycle in itertools.islice(cycles, max(0, cycles_needed - 3)):  # 3 taken already
        if len(loop) + len(cycle) > budget:
            break
        loop += cycle
    return first, loop, False


def _cycles_needed(w: Workload) -> int:
    """Cycles a goroutine can start in the whole run at the workload's pace (+ slack)."""
    p, span = w.pacing, w.run.warmup_s + w.run.duration_s
    if p.rate_per_thread:
        return math.ceil(span * p.rate_per_thread) + 2
    if p.think_s:
        return math.ceil(span / p.think_s) + 2
    return 1 << 30  # closed loop: as many as the budget allows


def _setup(w: Workload, calls: str = "labelstore") -> list[Step]:
    """Prepopulation (``plan.prepopulate``) as steps for one executor."""
    steps: list[Step] = []
    if calls == "fanout":  # each Fanout's mappings in series order, then their stamps
        by_fanout: dict[int, list[Step]] = {}
        for fanout, series, refs in prepopulated_mappings(w):
            step = Step(Operation.CREATE_MAPPING, series, fanout, refs=refs)
            by_fanout.setdefault(fanout, []).append(step)
        for fanout, creates in sorted(by_fanout.items()):
            steps += [*creates, Step(Operation.TRACK_APPENDED_SERIES, component=fanout)]
        return steps
    for i in range(w.series.prepopulated):
        steps.append(Step(Operation.GET_OR_ADD_GLOBAL_REF_ID, i))
        for c in range(len(w.components)):
            steps.append(
                Step(Operation.ADD_LOCAL_LINK, i, c, prepopulated_local_id(i, c), Condition.ALWAYS)
            )
    return steps


def _series_section(w: Workload, indices: set[int]) -> tuple[array, bytes]:  # type: ignore[type-arg]
    labels = SeriesSet(w.series)
    blob = bytearray()
    offsets: dict[str, tuple[int, int]] = {}
    words = array("q", [len(indices)])

    def place(text: str) -> tuple[int, int]:
        found = offsets.get(text)
        if found is None:
            data = text.encode("utf-8")
            found = offsets[text] = (len(blob), len(data))
            blob.extend(data)
        return found

    for i in sorted(indices):
        pairs = labels.labels(i).pairs
        words.extend((i, len(pairs)))
        for name, value in pairs:
            words.extend((*place(name), *place(value)))
    return words, bytes(blob)


def write_plan(run: GoRun, out: BinaryIO) -> PlanStats:
    """Write the plan file of ``run`` to ``out``."""
    w = run.workload
    calls = calls_of(run.store)
    body = _Writer()
    stats = PlanStats()
    body.plan(_setup(w, calls))
    if w.threads.mode == "burst":
        for it in range(w.run.iterations):
            for g in range(run.goroutines):
                body.plan(list(_steps(w, g, calls, it)))
    else:
        budget = min(MAX_LOOP, max(MIN_LOOP, STEP_BUDGET // max(1, run.goroutines)))
        needed = _cycles_needed(w)
        for g in range(run.goroutines):
            prefix, loop, static = _steady_plan(w, g, budget, needed, calls)
            body.words.append(round(scrape_phase(g) * 1e9))
            body.plan(prefix)
            body.plan(loop)
            if static:
                stats.static_goroutines += 1
            else:
                stats.replay_after[g] = _calls(prefix) + _calls(loop)
    series_words, blob = _series_section(w, body.series)
    header = json.dumps(_header(run)).encode("utf-8")
    out.write(MAGIC)
    size = len(MAGIC)
    for part in (header, blob):
        out.write(struct.pack("<Q", len(part)))
        out.write(part)
        size += 8 + len(part)
    n_words = len(series_words) + len(body.words)
    out.write(struct.pack("<Q", n_words))
    # array("q") is native-endian; every platform lsim runs on (x86-64, arm64) is little.
    series_words.tofile(out)
    body.words.tofile(out)
    stats.steps, stats.series = body.steps, len(body.series)
    stats.bytes = size + 8 + 8 * n_words
    return stats


def _header(run: GoRun) -> dict[str, object]:
    w = run.workload
    return {
        "design": run.store,
        "shards": run.shards or 0,
        "layout": str(w.series.layout),
        "components": list(w.components),
        "goroutines": run.goroutines,
        "gomaxprocs": run.gomaxprocs,
        "mode": w.threads.mode,
        "warmup_s": w.run.warmup_s,
        "duration_s": w.run.duration_s,
        "iterations": w.run.iterations,
        "census_budget": run.census_budget,
        "census_min_interval_s": run.census_min_interval_s,
        "stale_duration_s": 600.0,
        # indices past the base set are new series (churn, draw.new_series): a replayed
        # loop renames them per pass, so they stay new (PROTOCOL.md)
        "fresh_from": w.series.count,
        "seed": w.seed,
        "fanouts": store_options(run.store, w).get("fanouts", 0),
    }


def write_plan_file(run: GoRun, path: Path) -> PlanStats:
    with path.open("wb") as out:
        return write_plan(run, out)
