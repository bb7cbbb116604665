"""A finished simulation -> :class:`~lsim.profile.model.Profile` (the threads engine's type).

Everything is measured over the window ``[t0, t1]`` of virtual time: lock statistics are the
difference from a baseline taken at ``t0``. ``regime`` follows the threads engine's rule of
evidence (a lock held >= 90% of the time, >= 10% of paced batches late, or a closed loop),
with "the Ps were busy >= 90% of the time" in place of the interpreter's one core.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from lsim import __version__
from lsim.engine.model.census import Census
from lsim.engine.model.core import IDLE, decode_key
from lsim.engine.model.designs import Design
from lsim.engine.model.golock import SimMutex, SimRWMutex
from lsim.engine.model.locks_report import lock_counters, lock_reports
from lsim.engine.model.script import Costs
from lsim.engine.model.sim import Sim
from lsim.profile.model import CensusCell, OperationReport, Profile, SampledThread
from lsim.profile.report import iteration_timings
from lsim.sync.states import GoState, Operation
from lsim.workload.model import Workload

SATURATED_UTILISATION = 0.9
SATURATED_LATE_SHARE = 0.1


@dataclass
class Baseline:
    """Counters at the start of the measured window."""

    locks: list[dict[str, Any]]
    idle_area: int
    pace_steps: int
    pace_behind: int


@dataclass
class RunFacts:
    sim: Sim
    census: Census
    design: Design
    store: Any
    workload: Workload
    t0: int
    t1: int
    baseline: Baseline
    wall_s: float
    iterations_ns: list[int]
    command: str
    shards: int | None
    costs: Costs
    notes: list[str] = field(default_factory=list)
    pending_mean: float = 0.0  # mean heap size at census ticks (the speed benchmark's yardstick)


def take_baseline(sim: Sim, design: Design) -> Baseline:
    sim.busy_fraction(0, 0)  # brings the idle-P integral up to now
    return Baseline([lock_counters(lk) for lk in design.locks], sim.idle_area,
                    sim.pace_steps, sim.pace_behind)  # fmt: skip


def build_profile(f: RunFacts) -> Profile:
    from lsim.workload.serialize import workload_to_dict

    sim, census, w = f.sim, f.census, f.workload
    window_s = (f.t1 - f.t0) / 1e9
    names = {lk.lid: lk.name for lk in f.design.locks}
    locks = lock_reports(f.design.locks, f.baseline.locks)
    operations = _operations(sim, window_s)
    total = sum(r.count for r in operations)
    n = w.goroutines
    regime, reason, extra = _regime(f, window_s)
    timings: dict[str, float] = {"wall_s": f.wall_s, "events": float(sim.events),
                                 "events_per_s": sim.events / f.wall_s if f.wall_s else 0.0,
                                 "window_s": window_s, "events_pending_mean": f.pending_mean,
                                 **extra}  # fmt: skip
    sched = sim.sched  # whole run, warm-up included
    timings.update(sched_wakeps=float(sched.wakeps), sched_steals=float(sched.steals),
                   sched_runnext_steals=float(sched.runnext_steals),
                   sched_steal_backoffs=float(sched.backoffs),
                   sched_global_polls=float(sched.global_polls),
                   sched_runq_overflows=float(sched.overflows))  # fmt: skip
    timings.update(iteration_timings(f.iterations_ns))
    used = {Operation(op) for op in sim.opstats.operations() if op}
    stacks = {op.go_name: [[fr.function, f"{fr.file}:{fr.line}"] for fr in f.store.go_frames(op)]
              for op in sorted(used)}  # fmt: skip
    return Profile(
        engine="model",
        store=f.design.name,
        store_options={"shards": len(f.design.locks)} if f.design.name == "sharded" else {},
        workload_name=w.name,
        workload=workload_to_dict(w),
        seed=w.seed,
        command=f.command,
        threads=n,
        duration_s=window_s,
        census_rate_hz=1e9 / census.interval_ns,
        census_samples=census.samples,
        census=[
            CensusCell(GoState(s).go_name, Operation(o).go_name, names.get(lk, ""), c)
            for s, o, lk, c in census.cells()
        ],  # fmt: skip
        blocked_per_sample=list(census.blocked),
        representative=_representative(census, names),
        operations=operations,
        locks=locks,
        total_ops=total,
        ops_per_s=total / window_s if window_s else 0.0,
        thread_ops=[g.ops for g in sim.gs[:n]],
        regime=regime,
        regime_reason=reason,
        stacks=stacks,
        machine={
            "engine": "model",
            "gomaxprocs": sim.nprocs,
            "goroutines": n,
            "sim_time_s": w.model.sim_time_s,
            "warmup_s": f.t0 / 1e9,
            "scheduler": "Go's: per-P run queues of 256 + runnext, the global queue every 61 "
            "ticks, work stealing, spinning Ms (wakep), goyield after a hand-off, 10 ms slices",
            "costs_ns": dict(w.model.costs),
        },  # fmt: skip
        timings=timings,
        sampler={
            "rate_hz": 1e9 / census.interval_ns,
            "samples": census.samples,
            "observer": "virtual-time census of the simulated goroutines (exact)",
        },
        notes=[
            "model engine: a discrete-event simulation of Go goroutines on "
            f"GOMAXPROCS={sim.nprocs} with Go's sync.Mutex/RWMutex rules, in virtual time; "
            "costs are the workload's model.costs (lsim calibrate measures them on this "
            "machine)",
            *f.notes,
        ],
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        lsim_version=__version__,
    )


def _operations(sim: Sim, window_s: float) -> list[OperationReport]:
    from lsim.engine.latency import MODEL_LOG_BUCKETS, by_count, operation_report

    st = sim.opstats
    return by_count(
        operation_report(
            Operation(op).go_name,
            count,
            window_s,
            st.max_ns[op],
            p50_ns=st.percentile(op, 0.50),
            p99_ns=st.percentile(op, 0.99),
            histogram=st.coarse_histogram(op),
            precision=MODEL_LOG_BUCKETS,
        )
        for op, count in enumerate(st.count)
        if count
    )


def _representative(census: Census, names: dict[int, str]) -> list[SampledThread]:
    snap = census.representative()
    if snap is None:
        return []
    threads = []
    for i, key in enumerate(snap.keys):
        state, op, lid, unl = decode_key(key, census.nlocks)
        if state == IDLE:
            continue
        threads.append(SampledThread(
            thread=i + 1, state=GoState(state).go_name, operation=Operation(op).go_name,
            lock=names.get(lid, ""), wait_ns=snap.now - snap.since[i], shard=snap.shard[i],
            in_unlock=bool(unl),
        ))  # fmt: skip
    return threads


def _regime(f: RunFacts, window_s: float) -> tuple[str, str, dict[str, float]]:
    sim, w = f.sim, f.workload
    span = (f.t1 - f.t0) or 1
    busy = sim.busy_fraction(f.t0, f.baseline.idle_area)
    utils: dict[str, float] = {}
    for i, lk in enumerate(f.design.locks):
        held = lk.w.busy_ns if isinstance(lk, SimRWMutex) else lk.busy_ns
        assert isinstance(lk, SimMutex | SimRWMutex)
        utils[lk.name] = (held - f.baseline.locks[i]["busy_ns"]) / span
    steps = sim.pace_steps - f.baseline.pace_steps
    late = sim.pace_behind - f.baseline.pace_behind
    reasons = []
    name, top = max(utils.items(), key=lambda kv: kv[1], default=("", 0.0))
    if top >= SATURATED_UTILISATION:
        reasons.append(f"{name} held {top:.0%} of the time")
    if steps and late / steps >= SATURATED_LATE_SHARE:
        reasons.append(f"{late / steps:.0%} of paced batches started late")
    if busy >= SATURATED_UTILISATION:
        reasons.append(f"the {sim.nprocs} Ps were busy {busy:.0%} of the time")
    if w.pacing.closed_loop and w.threads.mode == "steady":
        reasons.append("closed loop: no think time or pacing between operations")
    extra = {"p_busy": busy, "lock_utilisation_max": top,
             "pace_late_share": late / steps if steps else 0.0}  # fmt: skip
    if w.threads.mode == "burst":  # no pauses at all: name what bounds an iteration
        spawning = w.goroutines * f.costs.spawn * len(f.iterations_ns) / span
        extra["spawner_busy"] = spawning
        bound = max(
            (spawning, f"the spawning goroutine (serial go statements) busy {spawning:.0%}"),
            (top, f"{name} held {top:.0%}"),
            (busy, f"the {sim.nprocs} Ps busy {busy:.0%}"),
        )[1]
        why = f"burst: goroutines run their plans with no pause; bound by {bound}"
        return "saturated", why, extra
    if reasons:
        return "saturated", "; ".join(reasons), extra
    detail = f"busiest lock {name} held {top:.0%}, Ps busy {busy:.0%}"
    if steps:
        detail += f", {late / steps:.0%} of paced batches late"
    return "below-saturation", detail, extra
