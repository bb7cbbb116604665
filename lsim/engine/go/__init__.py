"""``--engine go``: the workload on real goroutines and real ``sync.Mutex``/``RWMutex``.

Python compiles the plan (``planfile``), the cached Go program (``toolchain``) runs it twice
(``driver``: a clean run for throughput, a census run for the dump-based census and the
profiles); ``report`` turns both into the record every engine returns, and
``lsim.engine.build`` makes it the one ``Profile`` type every renderer reads.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsim.engine.go.driver import run_program
from lsim.engine.go.planfile import GoRun, write_plan_file
from lsim.engine.go.report import GoRuns, go_record
from lsim.engine.go.toolchain import find_toolchain, program
from lsim.engine.record import RunRecord
from lsim.errors import ConfigError
from lsim.profile.kept_dump import DEBUG1
from lsim.profile.model import Profile

MAX_GOROUTINES = 1_000_000
MAX_GOMAXPROCS = 1024

StatusFn = Callable[[str, float], None]


def go_run_of(
    workload: Any,
    store: str,
    shards: int | None,
    goroutines: int | None,
    gomaxprocs: int | None,
    census_rate_hz: float,
) -> GoRun:
    """The resolved settings: goroutines default to the workload's threads, P to the cores
    (Go's own default)."""
    n = goroutines if goroutines is not None else workload.threads.count
    if not 1 <= n <= MAX_GOROUTINES:
        raise ConfigError(
            f"must be between 1 and {MAX_GOROUTINES:,} (got {n})", source="--goroutines"
        )
    procs = gomaxprocs if gomaxprocs is not None else (os.cpu_count() or 1)
    if not 1 <= procs <= MAX_GOMAXPROCS:
        raise ConfigError(
            f"must be between 1 and {MAX_GOMAXPROCS} (got {procs})", source="--gomaxprocs"
        )
    return GoRun(workload, store, shards, n, procs, census_min_interval_s=1.0 / census_rate_hz)


def run_go(run: GoRun, command: str = "", status: StatusFn | None = None) -> Profile:
    """Build (once), run clean then with the census, and report."""
    from lsim.engine.build import build_profile

    return build_profile(record_go(run, command, status))


def record_go(run: GoRun, command: str = "", status: StatusFn | None = None) -> RunRecord:
    """``run_go``'s measurement, before it is a profile (``lsim.engine.build``)."""
    wall0 = time.perf_counter()
    chain = find_toolchain()
    if status is not None:
        status("building", 0.0)
    t = time.perf_counter()
    binary, chain, built = program(chain)
    build = {"go_version": chain.version, "built_now": built, "build_s": time.perf_counter() - t}
    with tempfile.TemporaryDirectory(prefix="lsim-go-") as tmp:
        plan_path = Path(tmp) / "plan.bin"
        t = time.perf_counter()
        if status is not None:
            status("writing plan", 0.0)
        stats = write_plan_file(run, plan_path)
        build["plan_write_s"] = time.perf_counter() - t

        def progress_of(label: str, base: float) -> Callable[[dict[str, Any]], None]:
            def on_event(event: dict[str, Any]) -> None:
                if status is not None:
                    done = float(event.get("done", 0.0) or 0.0)
                    status(f"{label} {event.get('phase', '')}", base + 0.5 * min(1.0, done))

            return on_event

        cpu0, t_runs = _own_cpu(), time.perf_counter()
        clean = run_program(binary, ["run", str(plan_path)], progress_of("clean run", 0.0))
        census = None
        pprof_dir = Path(tmp) / "pprof"
        pprof_dir.mkdir()
        if not clean.interrupted:
            census = run_program(
                binary,
                ["run", str(plan_path), "-census", "-pprof-dir", str(pprof_dir)],
                progress_of("census run", 0.5),
            )
        real_profiles = read_profiles(pprof_dir)
        # this process's own share of a core while the programs ran (it only reads pipes)
        python_cores = (_own_cpu() - cpu0) / max(1e-9, time.perf_counter() - t_runs)
    interrupted = clean.interrupted or (census is not None and census.interrupted)
    return go_record(
        GoRuns(
            run=run,
            clean=clean.data,
            census=census.data if census else None,
            plan=stats,
            build=build,
            wall_s=time.perf_counter() - wall0,
            python_cores=python_cores,
            interrupted=interrupted,
            command=command,
            real_profiles=real_profiles,
        )
    )


def read_profiles(folder: Path) -> dict[str, bytes]:
    """What ``-pprof-dir`` wrote (kind -> bytes; see ``lsim.profile.kept_dump``)."""
    names = {"block": "block.pb.gz", "mutex": "mutex.pb.gz", "goroutine": "goroutine.pb.gz"}
    names[DEBUG1] = "goroutine-debug1.txt"
    out = {}
    for kind, file in names.items():
        path = folder / file
        if path.is_file():
            out[kind] = path.read_bytes()
    return out


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


__all__ = ["GoRun", "go_run_of", "record_go", "run_go"]
