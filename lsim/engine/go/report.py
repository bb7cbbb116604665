"""Two runs of the Go program -> one :class:`~lsim.profile.model.Profile`.

The *clean* run has no sampler and no profiling: throughput, latency and per-goroutine
progress come from it. The *census* run samples ``runtime.Stack(all)`` (which stops the
world) and has the block and mutex profiles on: the census, the lock statistics, the kept
goroutine dump and the Little's-law cross-check come from it, and its own throughput is
reported beside the clean one so the sampler's cost is visible.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

from lsim import __version__
from lsim.engine.go.planfile import GoRun, PlanStats
from lsim.engine.latency import GO_LOG_LINEAR, by_count, operation_report
from lsim.profile.kept_dump import KEY, PPROF_KEY, pack_dump, pack_pprof
from lsim.profile.model import CensusCell, LockReport, OperationReport, Profile, SampledThread
from lsim.profile.report import iteration_timings

SATURATED_LOCK_UTILISATION = 0.9
SATURATED_LATE_SHARE = 0.1
SATURATED_CPU_SHARE = 0.9
NOISY_FOREIGN_CORES = 0.25  # another process used a quarter of a core or more


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


def _operations(clean: dict[str, Any]) -> list[OperationReport]:
    window = clean.get("window_s") or 0.0
    return by_count(
        operation_report(
            name,
            int(op["count"]),
            window,
            int(op.get("max_ns", 0)),
            p50_ns=int(op.get("p50_ns", 0)),
            p99_ns=int(op.get("p99_ns", 0)),
            histogram=[int(x) for x in op.get("hist", [])],
            precision=GO_LOG_LINEAR,
        )
        for name, op in clean.get("operations", {}).items()
        if op.get("count")
    )


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


def _census(census: dict[str, Any] | None) -> tuple[int, float, list[CensusCell], list[int]]:
    if census is None:
        return 0, 0.0, [], []
    c = census.get("census", {})
    interval = float(c.get("interval_s") or 0.0)
    cells = [CensusCell(str(s), str(o), str(lk), int(n)) for s, o, lk, n in c.get("cells", [])]
    return (
        int(c.get("samples", 0)),
        1 / interval if interval else 0.0,
        cells,
        list(c.get("blocked_per_sample", [])),
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
            shard=_shard_of(str(t.get("lock", ""))),
            in_unlock=bool(t.get("in_unlock", False)),
            woken=str(t.get("woken", "")),
        )
        for t in census.get("representative", [])
    ]


def _shard_of(lock: str) -> int:
    inside = lock.split("shard[", 1)[1].split("]", 1)[0] if "shard[" in lock else ""
    return int(inside) if inside.isdigit() else -1


def _regime(r: GoRuns, locks: list[LockReport]) -> tuple[str, str]:
    w, clean = r.run.workload, r.clean
    window_ns = (clean.get("window_s") or 0.0) * 1e9
    census_window_ns = ((r.census or {}).get("window_s") or 0.0) * 1e9
    reasons: list[str] = []
    busiest = max(
        (lk for lk in locks if lk.mode == "write"), key=lambda lk: lk.hold_total_ns, default=None
    )
    if busiest is not None and census_window_ns:
        held = busiest.hold_total_ns / census_window_ns
        if held >= SATURATED_LOCK_UTILISATION:
            reasons.append(f"{busiest.name} held {held:.0%} of the time")
    pace = clean.get("pace", {})
    steps, late = int(pace.get("steps", 0)), int(pace.get("late", 0))
    if steps and late / steps >= SATURATED_LATE_SHARE:
        reasons.append(f"{late / steps:.0%} of paced batches started late")
    cores = float(clean.get("machine", {}).get("self_cores", 0.0))
    procs = min(r.run.gomaxprocs, os.cpu_count() or r.run.gomaxprocs)
    if procs and cores / procs >= SATURATED_CPU_SHARE:
        reasons.append(f"the Go process used {cores:.2f} of {procs} cores")
    if w.threads.mode == "burst":
        return "saturated", "burst: goroutines run their plans with no pause" + (
            f"; {'; '.join(reasons)}" if reasons else ""
        )
    if w.pacing.closed_loop:
        reasons.append("closed loop: no think time or pacing between operations")
    if reasons:
        return "saturated", "; ".join(reasons)
    parts = [f"Go process at {cores:.2f} of {procs} cores"]
    if busiest is not None and census_window_ns:
        parts.insert(0, f"busiest lock held {busiest.hold_total_ns / census_window_ns:.0%}")
    if steps:
        parts.append(f"{late / steps:.0%} of paced batches late")
    del window_ns
    return "below-saturation", ", ".join(parts)


def _kept(r: GoRuns) -> dict[str, Any]:
    """The real Go output kept with the profile: the dump and the window's profiles."""
    out: dict[str, Any] = {}
    text = (r.census or {}).get("dump") or ""
    if text:
        out[KEY] = pack_dump(text)
    if r.real_profiles:
        out[PPROF_KEY] = pack_pprof(r.real_profiles)
    return out


def littles_law(census: dict[str, Any] | None, census_mean_blocked: float) -> dict[str, float]:
    """Mean goroutines blocked on store locks two ways: the census, and total store wait in
    the block profile / elapsed (Little's law). They should agree within ~15%."""
    if census is None:
        return {}
    window = census.get("window_s") or 0.0
    store_ns = float(census.get("block_profile", {}).get("store_ns", 0.0))
    from_profile = store_ns / (window * 1e9) if window else 0.0
    ratio = census_mean_blocked / from_profile if from_profile else 0.0
    return {
        "census_blocked_mean": census_mean_blocked,
        "block_profile_blocked_mean": from_profile,
        "ratio": ratio,
    }


def build_profile(r: GoRuns) -> Profile:
    from lsim.workload.serialize import workload_to_dict

    clean, census = r.clean, r.census
    w = r.run.workload
    window = float(clean.get("window_s") or 0.0)
    operations = _operations(clean)
    total = sum(op.count for op in operations)
    locks = _locks(census)
    samples, rate, cells, blocked = _census(census)
    regime, reason = _regime(r, locks)
    python_cores = r.python_cores
    foreign = foreign_cores(clean, python_cores)
    foreign_census = foreign_cores(census, python_cores) if census else 0.0
    profile = Profile(
        engine="go",
        store=r.run.store,
        store_options={"shards": r.run.shards} if r.run.shards else {},
        workload_name=w.name,
        workload=workload_to_dict(w),
        seed=w.seed,
        command=r.command,
        threads=r.run.goroutines,
        duration_s=window,
        census_rate_hz=rate,
        census_samples=samples,
        census=cells,
        blocked_per_sample=blocked,
        representative=_representative(census),
        operations=operations,
        locks=locks,
        total_ops=total,
        ops_per_s=total / window if window else 0.0,
        thread_ops=[int(x) for x in clean.get("thread_ops", [])],
        regime=regime,
        regime_reason=reason,
        stacks=(census or clean).get("stacks", {}),
        machine=_machine(r, foreign, foreign_census),
        timings=_timings(r, total, window),
        sampler=_sampler(census),
        integrations=_kept(r),
        notes=[],
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        lsim_version=__version__,
    )
    law = littles_law(census, profile.blocked_mean())
    if law:
        profile.integrations["littles_law"] = law
    words = {name: run["lock_words"] for name, run in (("clean", clean), ("census", census))
             if run and run.get("lock_words")}  # fmt: skip
    if words:  # goroutines parked on store locks, read from the locks' words (no stop)
        profile.integrations["lock_words"] = words
    profile.notes = _notes(r, profile, foreign, law)
    profile.notes.extend(words_disagree(words.get("census"), profile))
    return profile


def words_disagree(words: dict[str, Any] | None, p: Profile) -> list[str]:
    """A note when the stop-the-world census and the locks' own waiter counts (the same
    run, read without stopping the world) disagree by more than 20 points."""
    if not words or not words.get("samples") or not p.threads:
        return []
    by_words, by_census = words["waiters_mean"] / p.threads, p.blocked_mean() / p.threads
    if abs(by_words - by_census) <= 0.20:
        return []
    return [
        f"the census's stop-the-world samples read {by_census:.0%} of goroutines blocked, "
        f"the locks' own waiter counts {by_words:.0%} (same run, {words['samples']:,} reads "
        "without stopping the world): the census's moments are not typical of this run; "
        "integrations.lock_words has the counts over time"
    ]


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
    out.update(iteration_timings(r.clean.get("iterations_ns") or []))
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


def _notes(r: GoRuns, p: Profile, foreign: float, law: dict[str, float]) -> list[str]:
    m = p.machine
    notes = [
        f"go engine: real {m['go_version']} goroutines on GOMAXPROCS={r.run.gomaxprocs}, "
        "real sync.Mutex/RWMutex; throughput and latency from a run without the sampler, "
        "census and lock statistics from a second run with it"
    ]
    ratio = p.timings.get("census_run_throughput_ratio")
    if ratio:
        notes.append(
            f"the census run reached {ratio:.0%} of the clean run's throughput "
            f"(sampler {p.sampler.get('share_of_window', 0.0):.1%} of its window)"
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
    if law:
        notes.append(
            f"Little's law: census mean blocked {law['census_blocked_mean']:.1f} vs block "
            f"profile wait/elapsed {law['block_profile_blocked_mean']:.1f} (the profile misses "
            "waits still running at the window's end: expect agreement when waits are short "
            "against the window)"
        )
    replayed = [
        g
        for g, calls in r.plan.replay_after.items()
        if g < len(p.thread_ops) and p.thread_ops[g] > calls
    ]
    if replayed:
        budget = min(r.plan.replay_after.values())
        notes.append(
            f"{len(replayed)} goroutines got through their sent plan and replayed it "
            f"(at least {budget:,} distinct calls were sent per goroutine; new series in a "
            "replayed pass got a new label set, so they stayed new)"
        )
    if r.interrupted:
        notes.append("interrupted: the measured window was cut short (Ctrl-C)")
    return notes
