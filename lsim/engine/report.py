"""Turn the child's raw result and the parent's census into a :class:`Profile`."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from typing import Any

from lsim import __version__
from lsim.engine.census import Census
from lsim.engine.child import FIRST_OP_TIMEOUT_S
from lsim.engine.latency import by_count, operation_report
from lsim.engine.machine import NOISY_FOREIGN_CORES, is_noisy
from lsim.engine.spec import Experiment
from lsim.engine.threads import ChildResult
from lsim.errors import RunFailed
from lsim.profile.model import CensusCell, LockReport, OperationReport, Profile, SampledThread
from lsim.sync.states import GoState, Operation

SATURATED_LOCK_UTILISATION = 0.9
SATURATED_PACE_MISS_SHARE = 0.1
SATURATED_CPU_SHARE = 0.9  # of one core: the GIL lets one thread run Python at a time
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


def operation_reports(data: dict[str, Any], window_s: float) -> list[OperationReport]:
    """Per operation: calls and HDR percentiles of the latencies the workers recorded."""
    return by_count(
        operation_report(
            Operation(op_code).go_name,
            data["op_count"][op_code],
            window_s,
            data["op_max_ns"][op_code],
            counts=counts,
        )
        for op_code, counts in sorted(data["op_hist"].items())
    )


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
                shard=_shard_of(lock),
            )
        )
    return threads


def _shard_of(lock_name: str) -> int:
    if "shard[" not in lock_name:
        return -1
    inside = lock_name.split("shard[", 1)[1].split("]", 1)[0]
    return int(inside) if inside.isdigit() else -1


def regime(
    locks: list[LockReport],
    window_s: float,
    counters: dict[str, int],
    cpu_s: float,
    closed_loop: bool,
) -> tuple[str, str]:
    """Below or at saturation, and the evidence (DESIGN.md §5)."""
    reasons: list[str] = []
    window_ns = window_s * 1e9 or 1.0
    busiest = max(locks, key=lambda r: r.hold_total_ns, default=None)
    if busiest is not None and busiest.mode == "write":
        utilisation = busiest.hold_total_ns / window_ns
        if utilisation >= SATURATED_LOCK_UTILISATION:
            reasons.append(f"{busiest.name} held {utilisation:.0%} of the time")
    steps = counters.get("pace_steps", 0)
    missed = counters.get("pace_missed", 0)
    if steps and missed / steps >= SATURATED_PACE_MISS_SHARE:
        reasons.append(f"{missed / steps:.0%} of paced batches started late")
    cpu_share = cpu_s / window_s if window_s else 0.0
    if cpu_share >= SATURATED_CPU_SHARE:
        reasons.append(f"the interpreter ran {cpu_share:.0%} of one core (GIL-bound)")
    if closed_loop:
        reasons.append("closed loop: no think time or pacing between operations")
    if reasons:
        return "saturated", "; ".join(reasons)
    detail = f"busiest lock held {busiest.hold_total_ns / window_ns:.0%}" if busiest else ""
    late = f", {missed / steps:.0%} of paced batches late" if steps else ""
    return "below-saturation", f"{detail}{late}, interpreter at {cpu_share:.0%} of one core"


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
    profile = _profile(experiment, result)
    failed = [note for note in profile.notes if note.startswith("failed: ")]
    if failed:
        raise RunFailed(f"the run failed: {failed[0].removeprefix('failed: ')}", profile)
    return profile


def _profile(experiment: Experiment, result: ChildResult) -> Profile:
    from lsim.workload.load import workload_to_dict

    data, census = result.data, result.census
    window_s = data["window_s"]
    lock_names = {int(k): v for k, v in data["lock_names"].items()}
    locks = lock_reports(data["locks_before"], data["locks_after"])
    operations = operation_reports(data, window_s)
    total_ops = sum(r.count for r in operations)
    workload = experiment.workload
    timings = dict(data["timings"])
    timings["window_s"] = window_s
    timings["wall_s"] = result.wall_s
    closed_loop = workload.pacing.closed_loop and workload.threads.mode == "steady"
    name, reason = regime(locks, window_s, data["counters"], timings.get("cpu_s", 0.0), closed_loop)
    notes = []
    if result.interrupted or data.get("interrupted"):
        notes.append("interrupted: the measured window was cut short (Ctrl-C or SIGTERM)")
    failure = data.get("worker_error")
    if failure:
        more = data.get("worker_errors", 1) - 1
        others = f" (and {more:,} more)" if more > 0 else ""
        notes.append(f"failed: {failure}{others}")
    foreign = data.get("foreign_cores")
    notes.append(noise_note(foreign))
    if result.window_after_s is not None:
        # (a first calibration comes before this and says so on stderr; load.capacity.seconds)
        timings["window_after_s"] = result.window_after_s
        late = start_note(result.window_after_s, timings, experiment.threads)
        if late:
            notes.append(late)
    sampler_share = census.sample_seconds / window_s if window_s else 0.0
    return Profile(
        engine="threads",
        store=experiment.store,
        store_options={"shards": experiment.shards} if experiment.shards else {},
        workload_name=workload.name,
        workload=workload_to_dict(workload),
        seed=workload.seed,
        command=experiment.command,
        threads=experiment.threads,
        duration_s=window_s,
        census_rate_hz=census.rate_hz,
        census_samples=census.samples,
        census=census_cells(census, lock_names),
        blocked_per_sample=list(census.blocked_per_sample),
        representative=representative(census, lock_names),
        operations=operations,
        locks=locks,
        total_ops=total_ops,
        ops_per_s=total_ops / window_s if window_s else 0.0,
        thread_ops=list(data["thread_ops"]),
        regime=name,
        regime_reason=reason,
        stacks=data["stacks"],
        machine=machine_facts(foreign, data.get("switch_interval_s")),
        timings=timings,
        sampler={
            "rate_hz": census.rate_hz,
            "samples": census.samples,
            "expected_samples": round(window_s * census.rate_hz),
            "skipped_ticks": census.skipped_ticks,
            "seconds_sampling": census.sample_seconds,
            "share_of_one_core": sampler_share,
            "observer": "parent process, shared-memory board",
        },
        integrations={**data.get("integrations", {}), **result.observed},
        notes=notes,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        lsim_version=__version__,
    )
