"""Any engine's :class:`~lsim.engine.record.RunRecord` -> one :class:`Profile`.

The profile is built by a pipeline of small pure steps, listed once in ``STEPS`` (the way
pyinstrument's processors each take the frame tree and return a new one): each step reads
the record and the fields the steps before it produced, and returns the fields it adds.
No step knows which engine ran; what differs between engines is data in the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from lsim.engine.latency import by_count, operation_report
from lsim.engine.record import RunRecord
from lsim.engine.regime import decide
from lsim.errors import RunFailed
from lsim.profile.model import CensusCell, Profile, is_blocked_state
from lsim.profile.report import iteration_timings

Fields = Mapping[str, Any]  # Profile fields produced so far, by name
Step = Callable[[RunRecord, Fields], dict[str, Any]]
FAILED = "failed: "
INTERRUPTED = "interrupted: "


def identity(r: RunRecord, _: Fields) -> dict[str, Any]:
    """What ran, and where: the engine, the design, the workload as it ran, the machine."""
    from lsim.workload.serialize import workload_to_dict

    return {
        "engine": r.engine,
        "store": r.store,
        "store_options": dict(r.store_options),
        "workload_name": r.workload.name,
        "workload": workload_to_dict(r.workload),
        "seed": r.workload.seed,
        "command": r.command,
        "threads": r.threads,
        "duration_s": r.window_s,
        "machine": dict(r.machine),
    }


def census(r: RunRecord, _: Fields) -> dict[str, Any]:
    c = r.census
    return {
        "census_rate_hz": c.rate_hz,
        "census_samples": c.samples,
        "census": list(c.cells),
        "blocked_per_sample": list(c.blocked_per_sample),
        "representative": list(c.representative),
        "sampler": dict(r.sampler),
    }


def operations(r: RunRecord, _: Fields) -> dict[str, Any]:
    """Per operation: calls, rate and percentiles (HDR ones from raw latencies), busiest first;
    then the totals and each worker's progress."""
    reports = by_count(
        operation_report(
            op.operation,
            op.count,
            r.window_s,
            op.max_ns,
            counts=op.latencies,
            p50_ns=op.p50_ns,
            p99_ns=op.p99_ns,
            histogram=op.histogram,
            precision=op.precision,
        )
        for op in r.operations
    )
    total = sum(op.count for op in reports)
    return {
        "operations": reports,
        "total_ops": total,
        "ops_per_s": total / r.window_s if r.window_s else 0.0,
        "thread_ops": list(r.thread_ops),
    }


def locks(r: RunRecord, _: Fields) -> dict[str, Any]:
    return {"locks": list(r.locks), "stacks": dict(r.stacks)}


def regime(r: RunRecord, _: Fields) -> dict[str, Any]:
    name, reason = decide(r.regime)
    return {"regime": name, "regime_reason": reason}


def timings(r: RunRecord, _: Fields) -> dict[str, Any]:
    """The engine's timings, the window and the whole run, and burst iterations' spread."""
    out = {**r.timings, "window_s": r.window_s, "wall_s": r.wall_s}
    out.update(iteration_timings(r.iterations_ns))
    return {"timings": out}


def littles_law(r: RunRecord, f: Fields) -> dict[str, Any]:
    """Mean goroutines blocked on store locks two ways: the census, and total store wait in
    the block profile / elapsed (Little's law). They should agree within ~15%."""
    kept = dict(r.integrations)
    if r.block_profile is not None:
        cells: list[CensusCell] = f["census"]
        samples = f["census_samples"]
        blocked = sum(c.thread_samples for c in cells if is_blocked_state(c.state))
        census_mean = blocked / samples if samples else 0.0
        window = r.block_profile.window_s
        from_profile = r.block_profile.store_wait_ns / (window * 1e9) if window else 0.0
        kept["littles_law"] = {
            "census_blocked_mean": census_mean,
            "block_profile_blocked_mean": from_profile,
            "ratio": census_mean / from_profile if from_profile else 0.0,
        }
    return {"integrations": kept}


def notes(r: RunRecord, f: Fields) -> dict[str, Any]:
    """Whether the run was cut short or failed first, then the engine's own notes."""
    out = []
    if r.interrupted:
        out.append(INTERRUPTED + r.interrupted)
    if r.failure:
        out.append(FAILED + r.failure)
    out.extend(r.notes)
    law = f["integrations"].get("littles_law")
    if law:
        out.append(
            f"Little's law: census mean blocked {law['census_blocked_mean']:.1f} vs block "
            f"profile wait/elapsed {law['block_profile_blocked_mean']:.1f} (the profile misses "
            "waits still running at the window's end: expect agreement when waits are short "
            "against the window)"
        )
    return {"notes": out}


def stamp(_: RunRecord, __: Fields) -> dict[str, Any]:
    from lsim import __version__

    return {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "lsim_version": __version__,
    }


STEPS: tuple[Step, ...] = (
    identity,
    census,
    operations,
    locks,
    regime,
    timings,
    littles_law,
    notes,
    stamp,
)


def profile_fields(record: RunRecord, steps: tuple[Step, ...] = STEPS) -> dict[str, Any]:
    """Run ``steps`` in order; each sees the fields of the ones before it."""
    fields: dict[str, Any] = {}
    for step in steps:
        fields = {**fields, **step(record, fields)}
    return fields


def build_profile(record: RunRecord) -> Profile:
    """The profile of ``record``; raises :class:`RunFailed` holding it when a worker failed
    (what was measured up to the failure is still reported)."""
    profile = Profile(**profile_fields(record))
    if record.failure:
        raise RunFailed(f"the run failed: {record.failure}", profile)
    return profile
