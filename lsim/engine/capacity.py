"""A design's capacity on this machine (threads engine), and loads stated relative to it.

*Capacity* is the throughput a design sustains here when saturated: the workload's own
threads and operations in a closed loop (every thread works without pause), a short window
on the threads engine. For ``mutex`` with many threads that is the rate of a lock convoy,
the state the reference dump shows; an offered load above it cannot be served once a convoy
has formed, and one below it lets every convoy drain (issue 11: the built-in load at 0.9x
gave 0% or 99.7% blocked depending on what else the machine was doing).

The measurement is cached per machine, lsim version and workload shape under
``cache_root()/capacity/`` (``lsim.cachedir``), so it runs once (~5 s); windows in which
other processes used CPU (``machine.noisy``) are measured again, and a capacity that had no
quiet window says so. ``resolve_offered`` turns ``pacing.offered`` into a rate per thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsim import __version__
from lsim.errors import ConfigError, Interrupted
from lsim.workload.model import PacingSpec, Workload
from lsim.workload.offered import OfferedLoad

WINDOW_S = 1.0
WARMUP_S = 0.3
QUIET_WINDOWS = 2  # measured windows wanted without a busy neighbour
MAX_WINDOWS = 4
CACHE_FORMAT = 1
# Above this many threads the closed loop is measured with this many: a mutex convoy's rate
# is one hand-off per call whatever the queue's length (measured: 28k ops/s at 1,000
# threads, 33k at 200), while starting 10,000 threads for each window took 9 s here.
MAX_THREADS = 1000
Notify = Callable[[str], None]


@dataclass(frozen=True)
class Capacity:
    """What one design sustained here in a closed loop with the workload's threads."""

    design: str  # label: mutex, sharded-64
    ops_per_s: float  # median over the quiet windows (over all when none was quiet)
    threads: int
    windows_ops_per_s: tuple[float, ...]
    windows_foreign_cores: tuple[float | None, ...]
    noisy: bool  # no window was quiet: other processes used CPU during every one
    measured: str  # ISO time of the measurement
    path: str | None = None  # the cache file
    cached: bool = False  # read from the cache (measured by an earlier run)
    seconds: float = 0.0  # wall time the measurement took

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["windows_ops_per_s"] = list(self.windows_ops_per_s)
        data["windows_foreign_cores"] = list(self.windows_foreign_cores)
        return data


@dataclass(frozen=True)
class LoadResolution:
    """What a run was offered, for the report (``Profile.load``)."""

    offered: str  # the workload's statement: "1.6x mutex", "41000"
    ops_per_s: float  # calls per second offered over all threads
    rate_per_thread: float  # batches per second per thread that carries it
    calls_per_batch: float
    capacity: Capacity | None = None  # relative loads: what the factor multiplied
    factor: float | None = None
    ignored: str = ""  # why the statement was not applied (then the absolute rate ran)

    def to_dict(self) -> dict[str, Any]:
        return {
            "offered": self.offered,
            "offered_ops_per_s": self.ops_per_s,
            "rate_per_thread": self.rate_per_thread,
            "calls_per_batch": self.calls_per_batch,
            "factor": self.factor,
            "ignored": self.ignored,
            "capacity": None if self.capacity is None else self.capacity.to_dict(),
        }


def describe_load(load: dict[str, Any]) -> str:
    """'1.6x the mutex capacity measured here (25,600 ops/s): 41,000 ops/s offered'."""
    if not load:
        return ""
    offered = f"{load['offered_ops_per_s']:,.0f} ops/s offered"
    if load.get("ignored"):
        return f"pacing.offered {load['offered']!r} not applied ({load['ignored']})"
    cap = load.get("capacity")
    if cap is None:
        return f"{offered} (pacing.offered {load['offered']})"
    when = "measured here" if not cap.get("noisy") else "measured here on a busy machine"
    return (
        f"{load['factor']:g}x the {cap['design']} capacity {when} "
        f"({cap['ops_per_s']:,.0f} ops/s with {cap['threads']:,} threads): {offered}"
    )


def _machine_key() -> dict[str, Any]:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    from lsim.engine.child import SWITCH_INTERVAL_S

    return {
        "host": platform.node(),
        "cpu": model,
        "cpus": os.cpu_count(),
        "arch": platform.machine(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "lsim": __version__,
        "switch_interval_s": SWITCH_INTERVAL_S,
    }


def _workload_key(w: Workload) -> dict[str, Any]:
    """What shapes the closed loop: threads, series, components, operations, the seed."""
    from lsim.workload.serialize import workload_to_dict

    data = workload_to_dict(w)
    keep = ("seed", "threads", "series", "components", "ops")
    return {k: data[k] for k in keep}


def cache_file(w: Workload, store: str, shards: int | None) -> Path:
    from lsim.cachedir import cache_root

    key = {
        "format": CACHE_FORMAT,
        "machine": _machine_key(),
        "workload": _workload_key(closed_loop(w)),
        "store": store,
        "shards": shards,
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
    label = f"{store}-{shards}" if store == "sharded" else store
    return cache_root() / "capacity" / f"{label}-{digest}.json"


def _read(path: Path) -> Capacity | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Capacity(
            design=str(data["design"]),
            ops_per_s=float(data["ops_per_s"]),
            threads=int(data["threads"]),
            windows_ops_per_s=tuple(float(x) for x in data["windows_ops_per_s"]),
            windows_foreign_cores=tuple(
                None if x is None else float(x) for x in data["windows_foreign_cores"]
            ),
            noisy=bool(data["noisy"]),
            measured=str(data["measured"]),
            seconds=float(data.get("seconds", 0.0)),
            path=str(path),
            cached=True,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or damaged: measure again


def _write(path: Path, capacity: Capacity) -> Capacity:
    from lsim.atomicio import OutputError, write_atomic

    saved = dataclasses.replace(capacity, path=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(saved.to_dict(), indent=1, sort_keys=True) + "\n")
    except (OSError, OutputError):
        return capacity  # not cached: the next run measures again
    return saved


def closed_loop(w: Workload) -> Workload:
    """The workload with every pause removed and at most ``MAX_THREADS`` threads, measured
    for one short window."""
    w = dataclasses.replace(w, pacing=PacingSpec(batch_size=w.pacing.batch_size))
    return w.with_overrides(
        threads=min(w.threads.count, MAX_THREADS), duration_s=WINDOW_S, warmup_s=WARMUP_S
    )


def measure_capacity(
    w: Workload, store: str, shards: int | None, notify: Notify | None = None
) -> Capacity:
    """Run closed-loop windows until ``QUIET_WINDOWS`` were quiet (at most ``MAX_WINDOWS``)."""
    from lsim.engine.run import run_threads
    from lsim.engine.spec import Experiment

    label = f"{store}-{shards}" if store == "sharded" else store
    w = closed_loop(w)
    experiment = Experiment(workload=w, store=store, shards=shards, census=False)
    began = time.perf_counter()
    results: list[tuple[float, float | None, bool]] = []
    while len(results) < MAX_WINDOWS:
        profile = run_threads(experiment)
        if any("interrupted" in note for note in profile.notes):
            raise Interrupted(f"interrupted while measuring the {label} capacity (not saved)")
        machine = profile.machine
        results.append((profile.ops_per_s, machine.get("foreign_cores"), bool(machine["noisy"])))
        if notify is not None and machine.get("noisy"):
            notify(
                f"calibration window {len(results)}: other processes used "
                f"{machine['foreign_cores']:.2f} cores; measuring again"
            )
        if sum(1 for _, _, noisy in results if not noisy) >= QUIET_WINDOWS:
            break
    quiet = [ops for ops, _, noisy in results if not noisy]
    return Capacity(
        design=label,
        ops_per_s=statistics.median(quiet or [ops for ops, _, _ in results]),
        threads=w.threads.count,
        windows_ops_per_s=tuple(ops for ops, _, _ in results),
        windows_foreign_cores=tuple(f for _, f, _ in results),
        noisy=not quiet,
        measured=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        seconds=time.perf_counter() - began,
    )


def capacity_of(
    w: Workload, store: str, shards: int | None, notify: Notify | None = None
) -> Capacity:
    """The cached capacity of ``store`` for ``w``'s threads and operations, else measured."""
    path = cache_file(w, store, shards)
    found = _read(path)
    if found is not None:
        return found
    label = f"{store}-{shards}" if store == "sharded" else store
    if notify is not None:
        threads = min(w.threads.count, MAX_THREADS)
        notify(
            f"calibrating: the {label} capacity with {threads:,} threads in a closed "
            f"loop ({QUIET_WINDOWS}-{MAX_WINDOWS} windows of {WINDOW_S:g} s, about "
            f"{QUIET_WINDOWS * (WINDOW_S + WARMUP_S + 1):.0f}-"
            f"{MAX_WINDOWS * (WINDOW_S + WARMUP_S + 1):.0f} s, once per machine; cached in "
            f"{path.parent}/; --no-calibrate skips it)"
        )
    measured = measure_capacity(w, store, shards, notify)
    saved = _write(path, measured)
    if notify is not None:
        busy = " (no quiet window: other processes were busy)" if measured.noisy else ""
        notify(f"{label} capacity here: {measured.ops_per_s:,.0f} ops/s{busy}")
    return saved


def resolve_offered(
    w: Workload,
    *,
    engine: str = "threads",
    calibrate: bool = True,
    threads: int | None = None,
    notify: Notify | None = None,
) -> tuple[Workload, LoadResolution | None]:
    """``w`` with ``pacing.offered`` turned into ``rate_per_thread``, and what was offered.

    ``threads`` is how many threads (goroutines) share the load; default the workload's.
    A relative load needs the threads engine's calibration: with ``calibrate`` off or on
    another engine the workload's absolute ``rate_per_thread`` runs instead (and the
    resolution says so), or, without one, the run is refused naming the field.
    """
    offered = w.pacing.offered
    if offered is None:
        return w, None
    from lsim.workload.shares import calls_per_batch

    per_batch = calls_per_batch(w)
    n = threads or w.threads.count
    capacity: Capacity | None = None
    if offered.relative:
        why = _not_calibrated(engine, calibrate)
        if why:
            return _fallback(w, offered, per_batch, n, why)
        assert offered.design is not None and offered.factor is not None
        capacity = capacity_of(w, offered.design, offered.shards, notify)
        ops = offered.factor * capacity.ops_per_s
    else:
        assert offered.ops_per_s is not None
        ops = offered.ops_per_s
    rate = ops / (n * per_batch) if per_batch else 0.0
    try:
        pacing = dataclasses.replace(w.pacing, rate_per_thread=rate)
    except ConfigError as error:
        raise ConfigError(
            f"{offered.text} is {ops:,.0f} calls/s, {rate:g} batches per second for each of "
            f"{n:,} threads: {error.detail}",
            source=w.source,
            field="pacing.offered",
        ) from None
    resolved = LoadResolution(
        offered=offered.text,
        ops_per_s=ops,
        rate_per_thread=rate,
        calls_per_batch=per_batch,
        capacity=capacity,
        factor=offered.factor,
    )
    return dataclasses.replace(w, pacing=pacing), resolved


def _not_calibrated(engine: str, calibrate: bool) -> str:
    if engine != "threads":
        return f"the {engine} engine: the capacity is the threads engine's"
    if not calibrate:
        return "--no-calibrate"
    return ""


def _fallback(
    w: Workload, offered: OfferedLoad, per_batch: float, threads: int, why: str
) -> tuple[Workload, LoadResolution]:
    rate = w.pacing.rate_per_thread
    if not rate:
        raise ConfigError(
            f"{offered.text!r} is relative to a capacity measured by the threads engine's "
            f"calibration, which does not run here ({why}); give pacing.rate_per_thread as "
            "well for such runs, or an absolute pacing.offered (calls per second)",
            source=w.source,
            field="pacing.offered",
        )
    resolved = LoadResolution(
        offered=offered.text,
        ops_per_s=rate * threads * per_batch,
        rate_per_thread=rate,
        calls_per_batch=per_batch,
        factor=offered.factor,
        ignored=f"{why}; the absolute pacing.rate_per_thread {rate:g} ran",
    )
    return w, resolved
