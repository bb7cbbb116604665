"""Two runs of the Go program -> the :class:`~lsim.engine.record.RunRecord` of the go engine.

The *clean* run has no sampler and no profiling: throughput, latency and per-goroutine
progress come from it. The *census* run samples ``runtime.Stack(all)`` (which stops the
world) and has the block and mutex profiles on: the census, the lock statistics, the kept
goroutine dump and the Little's-law cross-check come from it, and its own throughput is
reported beside the clean one so the sampler's cost is visible. ``GoEngine`` is the engine
registered as ``go`` in ``lsim.engine.run``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsim.engine.go.lockwords import lock_words, words_disagree
from lsim.engine.go.planfile import GoRun, PlanStats
from lsim.engine.go.schedlat import sched_latency
from lsim.engine.latency import GO_LOG_LINEAR
from lsim.engine.machine import NOISY_FOREIGN_CORES
from lsim.engine.record import (
    BlockProfile,
    CensusRecord,
    LockUse,
    OperationRecord,
    ProcessorUse,
    ProgressFn,
    RegimeEvidence,
    RunRecord,
    shard_of,
)
from lsim.profile.kept_dump import KEY, PPROF_KEY, pack_dump, pack_pprof
from lsim.profile.model import CensusCell, LockReport, SampledThread

if TYPE_CHECKING:
    from lsim.engine.spec import Experiment


@dataclass
class GoRuns:
    run: GoRun
    clean: dict[str, Any]
    census: dict[str, Any] | None
    plan: PlanStats
    build: dict[str, Any]  # go_version, built_now, build_s
    wall_s: float
    python_cores: float  # this process's own CPU share while the programs ran
    interrupted: bool
    command: str
    # the census run's real profiles (lsimgo run -pprof-dir), kind -> bytes
    real_profiles: dict[str, bytes] = field(default_factory=dict)


def foreign_cores(result: dict[str, Any], python_cores: float) -> float:
    """Mean cores other processes used in the window: the machine's busy cores minus ours."""
    m = result.get("machine", {})
    busy = float(m.get("cpu_busy_cores", 0.0))
    own = float(m.get("self_cores", 0.0))
    return max(0.0, busy - own - python_cores)


def _operations(clean: dict[str, Any]) -> list[OperationRecord]:
    return [
        OperationRecord(
            name,
            int(op["count"]),
            int(op.get("max_ns", 0)),
            p50_ns=int(op.get("p50_ns", 0)),
            p99_ns=int(op.get("p99_ns", 0)),
            histogram=[int(x) for x in op.get("hist", [])],
            precision=GO_LOG_LINEAR,
        )
        for name, op in clean.get("operations", {}).items()
        if op.get("count")
    ]


def _locks(census: dict[str, Any] | None) -> list[LockReport]:
    if census is None:
        return []
    return [
        LockReport(
            name=lk["name"],
            kind=lk["kind"],
            mode=lk["mode"],
            acquisitions=int(lk.get("acquisitions", 0)),
            contended=int(lk.get("contended", 0)),
            wait_total_ns=int(lk.get("wait_total_ns", 0)),
            wait_max_ns=int(lk.get("wait_max_ns", 0)),
            hold_total_ns=int(lk.get("hold_total_ns", 0)),
            wait_histogram=[int(x) for x in lk.get("wait_histogram", [])],
            wait_by_operation={k: list(v) for k, v in lk.get("wait_by_operation", {}).items()},
            delay_by_unlocker={k: list(v) for k, v in lk.get("delay_by_unlocker", {}).items()},
        )
        for lk in census.get("locks", [])
    ]


def _census(census: dict[str, Any] | None) -> CensusRecord:
    if census is None:
        return CensusRecord.empty()
    c = census.get("census", {})
    interval = float(c.get("interval_s") or 0.0)
    return CensusRecord(
        rate_hz=1 / interval if interval else 0.0,
        samples=int(c.get("samples", 0)),
        cells=[CensusCell(str(s), str(o), str(lk), int(n)) for s, o, lk, n in c.get("cells", [])],
        blocked_per_sample=list(c.get("blocked_per_sample", [])),
        representative=_representative(census),
    )


def _representative(census: dict[str, Any] | None) -> list[SampledThread]:
    if census is None:
        return []
    return [
        SampledThread(
            thread=int(t["goroutine"]),
            state=str(t["state"]),
            operation=str(t.get("operation", "")),
            lock=str(t.get("lock", "")),
            wait_ns=int(t.get("wait_ns", 0)),
            shard=shard_of(str(t.get("lock", ""))),
            in_unlock=bool(t.get("in_unlock", False)),
            woken=str(t.get("woken", "")),
        )
        for t in census.get("representative", [])
    ]


def _regime(r: GoRuns, locks: list[LockReport]) -> RegimeEvidence:
    """The Go process's cores are the processors; the lock statistics come from the census
    run, so the busiest lock's share is over that run's window."""
    w, clean = r.run.workload, r.clean
    census_window_ns = ((r.census or {}).get("window_s") or 0.0) * 1e9
    busiest = max(
        (lk for lk in locks if lk.mode == "write"), key=lambda lk: lk.hold_total_ns, default=None
    )
    lock = None
    if busiest is not None and census_window_ns:
        lock = LockUse(busiest.name, busiest.hold_total_ns / census_window_ns)
    pace = clean.get("pace", {})
    cores = float(clean.get("machine", {}).get("self_cores", 0.0))
    procs = min(r.run.gomaxprocs, os.cpu_count() or r.run.gomaxprocs)
    return RegimeEvidence(
        processors=ProcessorUse(
            cores / procs if procs else 0.0,
            f"the Go process used {cores:.2f} of {procs} cores",
            f"Go process at {cores:.2f} of {procs} cores",
        ),
        lock=lock,
        pace_steps=int(pace.get("steps", 0)),
        pace_late=int(pace.get("late", 0)),
        closed_loop=w.pacing.closed_loop,
        burst=w.threads.mode == "burst",
    )


def _kept(r: GoRuns) -> dict[str, Any]:
    """The real Go output kept with the profile: the dump and the window's profiles."""
    out: dict[str, Any] = {}
    text = (r.census or {}).get("dump") or ""
    if text:
        out[KEY] = pack_dump(text)
    if r.real_profiles:
        out[PPROF_KEY] = pack_pprof(r.real_profiles)
    return out


def go_record(r: GoRuns) -> RunRecord:
    """The two runs' results, as the record every engine returns."""
    clean, census = r.clean, r.census
    w = r.run.workload
    window = float(clean.get("window_s") or 0.0)
    operations = _operations(clean)
    total = sum(op.count for op in operations)
    locks = _locks(census)
    python_cores = r.python_cores
    foreign = foreign_cores(clean, python_cores)
    foreign_census = foreign_cores(census, python_cores) if census else 0.0
    machine = _machine(r, foreign, foreign_census)
    timings = _timings(r, total, window)
    sampler = _sampler(census)
    thread_ops = [int(x) for x in clean.get("thread_ops", [])]
    words = lock_words(clean, census)
    latency = sched_latency(clean, census)
    block = None
    if census is not None:
        store_ns = float(census.get("block_profile", {}).get("store_ns", 0.0))
        block = BlockProfile(store_ns, float(census.get("window_s") or 0.0))
    return RunRecord(
        engine="go",
        store=r.run.store,
        store_options={"shards": r.run.shards} if r.run.shards else {},
        workload=w,
        command=r.command,
        threads=r.run.goroutines,
        window_s=window,
        wall_s=r.wall_s,
        census=_census(census),
        operations=operations,
        locks=locks,
        thread_ops=thread_ops,
        regime=_regime(r, locks),
        stacks=(census or clean).get("stacks", {}),
        machine=machine,
        timings=timings,
        iterations_ns=[float(x) for x in r.clean.get("iterations_ns") or []],
        sampler=sampler,
        integrations={
            **_kept(r),
            **({"lock_words": words} if words else {}),
            **({"sched_latency": latency} if latency else {}),
        },
        block_profile=block,
        notes=[
            *_notes(r, machine, timings, sampler, foreign, thread_ops),
            *words_disagree(words.get("census"), census, r.run.goroutines),
        ],
        interrupted="the measured window was cut short (Ctrl-C)" if r.interrupted else "",
    )


def _machine(r: GoRuns, foreign: float, foreign_census: float) -> dict[str, Any]:
    clean = r.clean
    cpus = int(clean.get("num_cpu") or os.cpu_count() or 1)
    return {
        "engine": "go",
        "go_version": clean.get("go_version", r.build.get("go_version", "")),
        "gomaxprocs": r.run.gomaxprocs,
        "goroutines": r.run.goroutines,
        "cpus": cpus,
        "oversubscribed": r.run.gomaxprocs > cpus,
        "foreign_cores": foreign,
        "foreign_cores_census_run": foreign_census,
        "noisy": max(foreign, foreign_census) >= NOISY_FOREIGN_CORES,
        "cpu_busy_cores": clean.get("machine", {}).get("cpu_busy_cores", 0.0),
        "go_process_cores": clean.get("machine", {}).get("self_cores", 0.0),
    }


def _timings(r: GoRuns, total: int, window: float) -> dict[str, float]:
    census = r.census or {}
    census_ops = sum(int(op.get("count", 0)) for op in census.get("operations", {}).values())
    census_window = float(census.get("window_s") or 0.0)
    clean_rate = total / window if window else 0.0
    census_rate = census_ops / census_window if census_window else 0.0
    out = {
        "wall_s": r.wall_s,
        "window_s": window,
        "start_s": float(r.clean.get("start_s", 0.0)),
        "build_s": float(r.build.get("build_s", 0.0)),
        "plan_steps": float(r.plan.steps),
        "plan_bytes": float(r.plan.bytes),
        "plan_write_s": float(r.build.get("plan_write_s", 0.0)),
    }
    if census:
        out.update(
            census_window_s=census_window,
            census_run_ops_per_s=census_rate,
            census_run_throughput_ratio=census_rate / clean_rate if clean_rate else 0.0,
        )
    return out


def _sampler(census: dict[str, Any] | None) -> dict[str, Any]:
    if census is None:
        return {"samples": 0, "observer": "none (the census run did not happen)"}
    c = census.get("census", {})
    return {
        "rate_hz": 1 / c["interval_s"] if c.get("interval_s") else 0.0,
        "samples": int(c.get("samples", 0)),
        "interval_s": float(c.get("interval_s", 0.0)),
        "seconds_sampling": float(c.get("stw_s_total", 0.0)),
        "seconds_parsing": float(c.get("parse_s_total", 0.0)),
        "share_of_window": float(c.get("share_of_window", 0.0)),
        "observer": "runtime.Stack(all) inside the Go process (stops the world per sample)",
    }


def _notes(
    r: GoRuns,
    m: dict[str, Any],
    timings: dict[str, float],
    sampler: dict[str, Any],
    foreign: float,
    thread_ops: list[int],
) -> list[str]:
    notes = [
        f"go engine: real {m['go_version']} goroutines on GOMAXPROCS={r.run.gomaxprocs}, "
        "real sync.Mutex/RWMutex; throughput and latency from a run without the sampler, "
        "census and lock statistics from a second run with it"
    ]
    ratio = timings.get("census_run_throughput_ratio")
    if ratio:
        notes.append(
            f"the census run reached {ratio:.0%} of the clean run's throughput "
            f"(sampler {sampler.get('share_of_window', 0.0):.1%} of its window)"
        )
    if m["oversubscribed"]:
        notes.append(
            f"oversubscribed: GOMAXPROCS={r.run.gomaxprocs} on {m['cpus']} cores "
            "(Ps share cores; not what the same P gives on a larger machine)"
        )
    notes.append(
        f"other processes used {foreign:.2f} cores during the window"
        + (" (noisy: treat this run's numbers with care)" if m["noisy"] else "")
    )
    replayed = [
        g
        for g, calls in r.plan.replay_after.items()
        if g < len(thread_ops) and thread_ops[g] > calls
    ]
    if replayed:
        budget = min(r.plan.replay_after.values())
        notes.append(
            f"{len(replayed)} goroutines got through their sent plan and replayed it "
            f"(at least {budget:,} distinct calls were sent per goroutine; new series in a "
            "replayed pass got a new label set, so they stayed new)"
        )
    return notes


class GoEngine:
    """``--engine go``: real goroutines, the Go program built on first use."""

    def run(self, experiment: Experiment, progress: ProgressFn | None = None) -> RunRecord:
        from lsim.engine.go import go_run_of, record_go
        from lsim.engine.threads import RunStatus

        run = go_run_of(
            experiment.workload,
            experiment.store,
            experiment.shards,
            experiment.goroutines,
            experiment.gomaxprocs,
            experiment.census_rate_hz,
        )

        def status(phase: str, done: float) -> None:
            if progress is not None:
                progress(RunStatus(phase, run.goroutines, run.goroutines, 0.0, 0.0, 0.0, 0, done))

        return record_go(run, experiment.command, status)
