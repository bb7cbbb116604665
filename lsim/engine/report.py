"""The threads engine's raw result (the child's data, the parent's census) -> its record.

``ThreadsEngine`` runs the experiment (``lsim.engine.threads.run_child``) and returns the
:class:`~lsim.engine.record.RunRecord` that ``lsim.engine.build`` turns into the profile;
``build_profile`` does both steps for callers holding a child's result.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsim.engine.census import Census
from lsim.engine.child import FIRST_OP_TIMEOUT_S
from lsim.engine.machine import NOISY_FOREIGN_CORES, is_noisy
from lsim.engine.observer import Observer
from lsim.engine.record import (
    CensusRecord,
    LockUse,
    OperationRecord,
    ProcessorUse,
    ProgressFn,
    RegimeEvidence,
    RunRecord,
    shard_of,
)
from lsim.engine.spec import Experiment
from lsim.engine.threads import ChildResult
from lsim.profile.model import CensusCell, LockReport, Profile, SampledThread
from lsim.sync.states import GoState, Operation

if TYPE_CHECKING:
    from lsim.workload.model import Workload

LATE_WINDOW_S = 15.0  # a report says why its measured window began later than this


def _lock_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Statistics over the measured window only: after minus before (warm-up excluded)."""
    out = dict(after)
    for key in ("acquisitions", "contended", "wait_total_ns", "hold_total_ns"):
        out[key] = after[key] - before.get(key, 0)
    if not out["contended"]:  # the maximum is cumulative; the child resets it at window start
        out["wait_max_ns"] = 0
    out["wait_histogram"] = [
        a - b for a, b in zip(after["wait_histogram"], before["wait_histogram"], strict=True)
    ]
    for key in ("wait_by_op", "delay_by_unlocker_op"):
        table = {}
        for op, (n, ns) in after[key].items():
            n0, ns0 = before.get(key, {}).get(op, (0, 0))
            if n - n0:
                table[Operation(int(op)).go_name or "(outside)"] = [n - n0, ns - ns0]
        out[key] = table
    return out


def lock_reports(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[LockReport]:
    reports: list[LockReport] = []
    for b, a in zip(before, after, strict=True):
        sides = [("write", b, a)]
        if a["kind"] == "rwmutex":
            sides.append(("read", b["read"], a["read"]))
            sides.append(("write", b["writer_mutex"], a["writer_mutex"]))
        for mode, sb, sa in sides:
            d = _lock_delta(sb, sa)
            reports.append(
                LockReport(
                    name=sa.get("name", a["name"]) if mode == "write" else a["name"],
                    kind="mutex" if sa.get("kind") == "mutex" else a["kind"],
                    mode=mode,
                    acquisitions=d["acquisitions"],
                    contended=d["contended"],
                    wait_total_ns=d["wait_total_ns"],
                    wait_max_ns=d["wait_max_ns"],
                    hold_total_ns=max(0, d["hold_total_ns"]),
                    wait_histogram=d["wait_histogram"],
                    wait_by_operation=d["wait_by_op"],
                    delay_by_unlocker=d["delay_by_unlocker_op"],
                    starvation_entries=d.get("starvation_entries", 0)
                    - sb.get("starvation_entries", 0),
                    handoffs=d.get("handoffs", 0) - sb.get("handoffs", 0),
                )
            )
    return [r for r in reports if r.acquisitions or r.contended]


def operation_records(data: dict[str, Any]) -> list[OperationRecord]:
    """Per operation: calls and the latencies the workers recorded (quantized for HDR)."""
    return [
        OperationRecord(
            Operation(op_code).go_name,
            data["op_count"][op_code],
            data["op_max_ns"][op_code],
            latencies=counts,
        )
        for op_code, counts in sorted(data["op_hist"].items())
    ]


def census_cells(census: Census, lock_names: dict[int, str]) -> list[CensusCell]:
    cells = []
    for state, op, lock_id, n in census.cells():
        cells.append(
            CensusCell(
                state=GoState(state).go_name,
                operation=Operation(op).go_name,
                lock=lock_names.get(lock_id, "") if lock_id else "",
                thread_samples=n,
            )
        )
    return cells


def representative(census: Census, lock_names: dict[int, str]) -> list[SampledThread]:
    snapshot = census.representative()
    if snapshot is None:
        return []
    threads = []
    for index, (state, op, lock_id, age_ms) in enumerate(snapshot.rows()):
        if state == GoState.IDLE:
            continue
        lock = lock_names.get(lock_id, "") if lock_id else ""
        threads.append(
            SampledThread(
                thread=index + 1,
                state=GoState(state).go_name,
                operation=Operation(op).go_name,
                lock=lock,
                wait_ns=age_ms * 1_000_000,
                shard=shard_of(lock),
            )
        )
    return threads


def machine_facts(
    foreign_cores: float | None = None, switch_interval_s: float | None = None
) -> dict[str, Any]:
    """The machine, and other processes' CPU in the window (``None``: could not be read)."""
    return {
        "engine": "threads",
        "foreign_cores": foreign_cores,
        "noisy": is_noisy(foreign_cores),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        # the experiment process's GIL switch interval (lsim.engine.child.SWITCH_INTERVAL_S)
        "switch_interval_s": switch_interval_s or sys.getswitchinterval(),
    }


def noise_note(foreign: float | None) -> str:
    """What the report says about other processes' CPU use during the measured window."""
    if foreign is None:
        return "other processes' CPU use during the window: unknown (no /proc/stat)"
    text = f"other processes used {foreign:.2f} cores during the window"
    if is_noisy(foreign):
        text += (
            f" (noisy: at least {NOISY_FOREIGN_CORES:.2f}; this run measured its neighbours "
            "too, treat its numbers with care)"
        )
    return text


def start_note(after_s: float, timings: dict[str, float], threads: int) -> str:
    """Why the measured window began late (after ``LATE_WINDOW_S``), from the child's timings."""
    not_run = int(timings.get("threads_not_run", 0))
    if after_s < LATE_WINDOW_S and not not_run:
        return ""
    parts = [
        f"setting up the store {timings.get('setup_s', 0.0):.1f} s",
        f"starting {threads:,} threads {timings.get('start_threads_s', 0.0):.1f} s",
        f"until each had run once {timings.get('first_ops_s', 0.0):.1f} s",
    ]
    text = f"the measured window began {after_s:.1f} s after the start ({', '.join(parts)}"
    text += ", then the warm-up)"
    if not_run:
        text += (
            f"; {not_run:,} threads had not run once when it began (waited at most "
            f"{FIRST_OP_TIMEOUT_S:.0f} s): the GIL had not reached them"
        )
    return text


def build_profile(experiment: Experiment, result: ChildResult) -> Profile:
    """The profile of the run; raises :class:`RunFailed` (holding it) when a worker failed."""
    from lsim.engine import build

    return build.build_profile(threads_record(experiment, result))


def threads_record(experiment: Experiment, result: ChildResult) -> RunRecord:
    """The child's data and the parent's census, as the record every engine returns."""
    data, census = result.data, result.census
    window_s = data["window_s"]
    lock_names = {int(k): v for k, v in data["lock_names"].items()}
    locks = lock_reports(data["locks_before"], data["locks_after"])
    workload = experiment.workload
    timings = dict(data["timings"])
    cpu_share = timings.get("cpu_s", 0.0) / window_s if window_s else 0.0
    failure = data.get("worker_error") or ""
    if failure:
        more = data.get("worker_errors", 1) - 1
        failure += f" (and {more:,} more)" if more > 0 else ""
    foreign = data.get("foreign_cores")
    notes = [noise_note(foreign)]
    if result.window_after_s is not None:
        # (a first calibration comes before this and says so on stderr; load.capacity.seconds)
        timings["window_after_s"] = result.window_after_s
        late = start_note(result.window_after_s, timings, experiment.threads)
        if late:
            notes.append(late)
    interrupted = result.interrupted or data.get("interrupted")
    return RunRecord(
        engine="threads",
        store=experiment.store,
        store_options={"shards": experiment.shards} if experiment.shards else {},
        workload=workload,
        command=experiment.command,
        threads=experiment.threads,
        window_s=window_s,
        wall_s=result.wall_s,
        census=CensusRecord(
            rate_hz=census.rate_hz,
            samples=census.samples,
            cells=census_cells(census, lock_names),
            blocked_per_sample=list(census.blocked_per_sample),
            representative=representative(census, lock_names),
        ),
        operations=operation_records(data),
        locks=locks,
        thread_ops=list(data["thread_ops"]),
        regime=regime_evidence(locks, window_s, data["counters"], cpu_share, workload),
        stacks=data["stacks"],
        machine=machine_facts(foreign, data.get("switch_interval_s")),
        timings=timings,
        sampler=_sampler(census, window_s),
        integrations={**data.get("integrations", {}), **result.observed},
        notes=notes,
        interrupted="the measured window was cut short (Ctrl-C or SIGTERM)" if interrupted else "",
        failure=failure,
    )


def regime_evidence(
    locks: list[LockReport],
    window_s: float,
    counters: dict[str, int],
    cpu_share: float,
    workload: Workload,
) -> RegimeEvidence:
    """The interpreter runs Python on one core at a time (the GIL): that is the processor."""
    window_ns = window_s * 1e9 or 1.0
    busiest = max(locks, key=lambda r: r.hold_total_ns, default=None)
    lock = None
    if busiest is not None:
        held = busiest.hold_total_ns / window_ns
        lock = LockUse(busiest.name, held, exclusive=busiest.mode == "write")
    return RegimeEvidence(
        processors=ProcessorUse(
            cpu_share,
            f"the interpreter ran {cpu_share:.0%} of one core (GIL-bound)",
            f"interpreter at {cpu_share:.0%} of one core",
        ),
        lock=lock,
        pace_steps=counters.get("pace_steps", 0),
        pace_late=counters.get("pace_missed", 0),
        closed_loop=workload.pacing.closed_loop and workload.threads.mode == "steady",
    )


def _sampler(census: Census, window_s: float) -> dict[str, Any]:
    return {
        "rate_hz": census.rate_hz,
        "samples": census.samples,
        "expected_samples": round(window_s * census.rate_hz),
        "skipped_ticks": census.skipped_ticks,
        "seconds_sampling": census.sample_seconds,
        "share_of_one_core": census.sample_seconds / window_s if window_s else 0.0,
        "observer": "parent process, shared-memory board",
    }


class ThreadsEngine:
    """``--engine threads``: real threads in a child process, observed from this one."""

    def __init__(self, observers: Sequence[Observer] = ()) -> None:
        self.observers = observers

    def run(self, experiment: Experiment, progress: ProgressFn | None = None) -> RunRecord:
        from lsim.engine.job import WorkloadJob
        from lsim.engine.threads import run_child

        result = run_child(
            WorkloadJob(experiment),
            census_rate_hz=experiment.census_rate_hz,
            census=experiment.census,
            progress=progress,
            observers=self.observers,
        )
        return threads_record(experiment, result)
