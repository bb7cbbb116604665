"""A finished simulation -> the :class:`~lsim.engine.record.RunRecord` every engine returns.

Everything is measured over the window ``[t0, t1]`` of virtual time: lock statistics are the
difference from a baseline taken at ``t0``. The regime's evidence (``lsim.engine.regime``)
has "the Ps were busy" in place of the threads engine's interpreter core. ``ModelEngine`` is
the engine registered as ``model`` in ``lsim.engine.run``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsim.engine.latency import MODEL_LOG_BUCKETS
from lsim.engine.model.census import Census
from lsim.engine.model.core import IDLE, decode_key
from lsim.engine.model.designs import Design
from lsim.engine.model.golock import SimMutex
from lsim.engine.model.gorwmutex import SimRWMutex
from lsim.engine.model.locks_report import lock_counters, lock_reports
from lsim.engine.model.script import Costs
from lsim.engine.model.sim import Sim
from lsim.engine.model.stats import latency_summary
from lsim.engine.record import (
    CensusRecord,
    LockUse,
    OperationRecord,
    ProcessorUse,
    ProgressFn,
    RegimeEvidence,
    RunRecord,
)
from lsim.profile.model import CensusCell, SampledThread
from lsim.sync.states import GoState, Operation
from lsim.workload.model import Workload

if TYPE_CHECKING:
    from lsim.engine.spec import Experiment


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
    interrupted: str = ""  # how the run was cut short ("" when it was not)
    pending_mean: float = 0.0  # mean heap size at census ticks (the speed benchmark's yardstick)


def take_baseline(sim: Sim, design: Design) -> Baseline:
    sim.busy_fraction(0, 0)  # brings the idle-P integral up to now
    return Baseline([lock_counters(lk) for lk in design.locks], sim.idle_area,
                    sim.pace_steps, sim.pace_behind)  # fmt: skip


def model_record(f: RunFacts) -> RunRecord:
    """The simulation's counters over the window, as the record every engine returns."""
    sim, census, w = f.sim, f.census, f.workload
    window_s = (f.t1 - f.t0) / 1e9
    names = {lk.lid: lk.name for lk in f.design.locks}
    n = w.goroutines
    evidence, extra = _regime(f)
    timings: dict[str, float] = {"events": float(sim.events),
                                 "events_per_s": sim.events / f.wall_s if f.wall_s else 0.0,
                                 "events_pending_mean": f.pending_mean, **extra}  # fmt: skip
    sched = sim.sched  # whole run, warm-up included
    timings.update(sched_wakeps=float(sched.wakeps), sched_steals=float(sched.steals),
                   sched_runnext_steals=float(sched.runnext_steals),
                   sched_steal_backoffs=float(sched.backoffs),
                   sched_global_polls=float(sched.global_polls),
                   sched_runq_overflows=float(sched.overflows),
                   sched_switches=float(sim.switches),
                   sched_cold_resumes=float(sched.cold_resumes),
                   sched_resume_ns=float(sched.resume_ns))  # fmt: skip
    used = {Operation(op) for op in sim.opstats.operations() if op}
    stacks = {op.go_name: [[fr.function, f"{fr.file}:{fr.line}"] for fr in f.store.go_frames(op)]
              for op in sorted(used)}  # fmt: skip
    rate = 1e9 / census.interval_ns
    return RunRecord(
        engine="model",
        store=f.design.name,
        store_options={"shards": len(f.design.locks)} if f.design.name == "sharded" else {},
        workload=w,
        command=f.command,
        threads=n,
        window_s=window_s,
        wall_s=f.wall_s,
        census=CensusRecord(
            rate_hz=rate,
            samples=census.samples,
            cells=[
                CensusCell(GoState(s).go_name, Operation(o).go_name, names.get(lk, ""), c)
                for s, o, lk, c in census.cells()
            ],  # fmt: skip
            blocked_per_sample=list(census.blocked),
            representative=_representative(census, names),
        ),
        operations=_operations(sim),
        locks=lock_reports(f.design.locks, f.baseline.locks),
        thread_ops=[g.ops for g in sim.gs[:n]],
        regime=evidence,
        stacks=stacks,
        machine={
            "engine": "model",
            "gomaxprocs": sim.nprocs,
            "goroutines": n,
            "sim_time_s": w.model.sim_time_s,
            "warmup_s": f.t0 / 1e9,
            "scheduler": "Go's: per-P run queues of 256 + runnext, the global queue every 61 "
            "ticks, work stealing, spinning Ms (wakep), goyield after a hand-off, sysmon's "
            "preemption",
            "costs_ns": dict(w.model.costs),
        },  # fmt: skip
        timings=timings,
        iterations_ns=[float(x) for x in f.iterations_ns],
        integrations={
            # the go engine's own names (its PROTOCOL.md): Go samples its waits, the model
            # times every one; Go reads the starvation bit every 200 us, the model at ticks
            "sched_latency": {"model": latency_summary(sim.latency)},
            "lock_words": {
                "model": {"samples": census.samples, "per_lock_starving": census.starving_shares()}
            },
        },  # fmt: skip
        sampler={
            "rate_hz": rate,
            "samples": census.samples,
            "observer": "virtual-time census of the simulated goroutines (exact)",
        },
        notes=[
            "model engine: a discrete-event simulation of Go goroutines on "
            f"GOMAXPROCS={sim.nprocs} with Go's sync.Mutex/RWMutex rules, in virtual time; "
            "costs are the workload's model.costs (lsim calibrate measures them on this "
            "machine)",
        ],
        interrupted=f.interrupted,
    )


def _operations(sim: Sim) -> list[OperationRecord]:
    st = sim.opstats
    return [
        OperationRecord(
            Operation(op).go_name,
            count,
            st.max_ns[op],
            p50_ns=st.percentile(op, 0.50),
            p99_ns=st.percentile(op, 0.99),
            histogram=st.coarse_histogram(op),
            precision=MODEL_LOG_BUCKETS,
        )
        for op, count in enumerate(st.count)
        if count
    ]


def _representative(census: Census, names: dict[int, str]) -> list[SampledThread]:
    snap = census.representative()
    if snap is None:
        return []
    threads = []
    # a few hundred distinct keys among ~54,000 goroutines: decode each once (an enum lookup
    # by value costs ~1 us)
    fields: dict[int, tuple[str, str, str, bool] | None] = {}
    for i, key in enumerate(snap.keys):
        if key not in fields:
            state, op, lid, unl = decode_key(key, census.nlocks)
            fields[key] = (
                None
                if state == IDLE
                else (GoState(state).go_name, Operation(op).go_name, names.get(lid, ""), bool(unl))
            )
        decoded = fields[key]
        if decoded is None:
            continue
        state_name, op_name, lock, in_unlock = decoded
        threads.append(SampledThread(
            thread=i + 1, state=state_name, operation=op_name, lock=lock,
            wait_ns=snap.now - snap.since[i], shard=snap.shard[i], in_unlock=in_unlock,
        ))  # fmt: skip
    return threads


def _regime(f: RunFacts) -> tuple[RegimeEvidence, dict[str, float]]:
    """The simulated Ps are the processors; in burst mode the spawning goroutine, the
    busiest lock or the Ps bound an iteration (there are no pauses to measure)."""
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
    name, top = max(utils.items(), key=lambda kv: kv[1], default=("", 0.0))
    extra = {"p_busy": busy, "lock_utilisation_max": top,
             "pace_late_share": late / steps if steps else 0.0}  # fmt: skip
    evidence = RegimeEvidence(
        processors=ProcessorUse(
            busy, f"the {sim.nprocs} Ps were busy {busy:.0%} of the time", f"Ps busy {busy:.0%}"
        ),  # fmt: skip
        lock=LockUse(name, top),
        pace_steps=steps,
        pace_late=late,
        closed_loop=w.pacing.closed_loop and w.threads.mode == "steady",
    )
    if w.threads.mode == "burst":  # no pauses at all: name what bounds an iteration
        spawning = w.goroutines * f.costs.spawn * len(f.iterations_ns) / span
        extra["spawner_busy"] = spawning
        evidence.burst = True
        evidence.burst_bounds = [
            (spawning, f"the spawning goroutine (serial go statements) busy {spawning:.0%}"),
            (top, f"{name} held {top:.0%}"),
            (busy, f"the {sim.nprocs} Ps busy {busy:.0%}"),
        ]
    return evidence, extra


class ModelEngine:
    """``--engine model``: the Go runtime simulated (goroutines on P processors)."""

    def run(self, experiment: Experiment, progress: ProgressFn | None = None) -> RunRecord:
        from lsim.engine.model.run import simulate
        from lsim.engine.threads import RunStatus

        goroutines = experiment.goroutines or experiment.workload.goroutines

        def on_fraction(done: float) -> None:
            if progress is not None:
                progress(RunStatus("simulating", goroutines, goroutines, 0.0, 0.0, 0.0, 0, done))

        return simulate(
            experiment.workload,
            experiment.store,
            shards=experiment.shards,
            seed=experiment.seed,
            gomaxprocs=experiment.gomaxprocs,
            goroutines=experiment.goroutines,
            sim_time_s=experiment.sim_time_s,
            census_rate_hz=experiment.census_rate_hz,
            progress=on_fraction,
            command=experiment.command,
        )
