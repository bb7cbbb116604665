"""``lsim calibrate``: measure this machine with real Go and write the model's costs.

Three sets of micro-benchmarks:

1. **The runtime** (``machine.py``: spin rounds, cache-line transfer between the two Ps,
   futex wake, ``wakep`` latency, ``usleep(3)``, switches, spawn/exit, uncontended locks,
   map operations): each sets one cost directly.
2. **The store calls**, on ``--engine go``: one goroutine at GOMAXPROCS=1 calls one operation
   in a closed loop, for every design (GetOrAddGlobalRefID on a known and on a new label set,
   GetLocalRefID, AddLocalLink). The model's time for the same call is linear in its costs
   (one goroutine never waits), so the model itself gives the coefficients (one tiny model
   run per unknown), and a least-squares fit over all cells gives ``hash_ns``,
   ``map_hit_ns``, ``map_insert_ns``, ``new_series_ns``, ``lock_uncontended_ns`` and
   ``call_ns`` (the go engine's
   executor around each call; it parses no scrape and appends to no WAL, so those two are 0
   in the fit and left out of the file: a workload keeps its own).
3. **A burst goroutine's own start-up** (``burstcal.py``): Alloy's BenchmarkHighContention
   at GOMAXPROCS=1 on ``--engine go``, against the model with everything else calibrated:
   ``burst_goroutine_ns``.

Nothing here looks at a contended run: the fidelity benchmark's cells are not inputs.
"""

from __future__ import annotations

import datetime as dt
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsim.engine.model.burstcal import (
    BURST_DESIGNS,
    IterationNs,
    Progress,
    fit_burst,
    go_iteration_ns,
)
from lsim.workload.costs import COST_DEFAULTS, COSTS_FILE_KIND
from lsim.workload.load import parse_workload
from lsim.workload.model import Workload

FITTED = ("hash_ns", "map_hit_ns", "map_insert_ns", "new_series_ns", "lock_uncontended_ns",
          "call_ns")  # fmt: skip
DESIGNS = ("mutex", "rwmutex", "finegrained", "sharded", "syncmap", "percomponent", "lockfree")
# operation label -> (mix weights, share of new label sets)
CALLS: dict[str, tuple[dict[str, float], float]] = {
    "GetOrAddGlobalRefID": ({"GetOrAddGlobalRefID": 1.0}, 0.0),
    "GetOrAddGlobalRefID(new)": ({"GetOrAddGlobalRefID": 1.0}, 1.0),
    "GetLocalRefID": ({"GetLocalRefID": 1.0}, 0.0),
    "AddLocalLink": ({"AddLocalLink": 1.0}, 0.0),
}
UNMEASURED = ("scrape_parse_ns", "wal_append_ns", "exponential_service")
UNIT = 1000.0  # ns steps of one unknown at a time, to read its coefficient off the model

Measure = Callable[[Workload, str], float]  # (workload, design) -> ns per call


@dataclass
class Calibration:
    costs: dict[str, float]
    sources: dict[str, str]
    cells: dict[str, dict[str, float]] = field(default_factory=dict)  # "design/op" -> ns
    machine: dict[str, Any] = field(default_factory=dict)


def one_call_workload(call: str, seconds: float, series: int = 10_000) -> Workload:
    """One goroutine calling one operation in a closed loop (all label sets known, linked).
    The model simulates 30 ms: with every unknown near 1 us that is ~6,000 calls, so the
    window's edges move a coefficient by ~0.001."""
    weights, new = CALLS[call]
    return parse_workload({
        "name": f"calibrate-{call}", "seed": 1, "threads": {"count": 1},
        "run": {"duration_s": seconds, "warmup_s": min(0.05, seconds / 4)},
        "series": {"count": series, "prepopulated": series, "template": "alloy-benchmark"},
        "components": 1, "ops": {"mix": weights, "draw": {"new_series": new}},
        "model": {"gomaxprocs": 1, "goroutines": 1, "sim_time_s": 0.03},
    }, f"<calibrate {call}>")  # fmt: skip


def model_ns(w: Workload, design: str, costs: dict[str, float]) -> float:
    """The model's time per call for one goroutine with ``costs``."""
    import dataclasses
    from types import MappingProxyType

    from lsim.engine.model import run_model

    model = dataclasses.replace(w.model, costs=MappingProxyType(costs))
    p = run_model(dataclasses.replace(w, model=model), design,
                  shards=4 if design == "sharded" else None, census_rate_hz=1000.0)  # fmt: skip
    return 1e9 / p.ops_per_s if p.ops_per_s else 0.0


def go_ns(w: Workload, design: str, repeats: int = 3) -> float:
    """Real Go's time per call (``--engine go``, clean run), one goroutine at GOMAXPROCS=1:
    the fastest of ``repeats`` runs (other load on the machine only ever slows a run)."""
    from lsim.engine.go import go_run_of, run_go

    best = 0.0
    for _ in range(repeats):
        p = run_go(go_run_of(w, design, 4 if design == "sharded" else None, 1, 1, 100.0))
        if p.ops_per_s > best:
            best = p.ops_per_s
    return 1e9 / best if best else 0.0


def fit(rows: Sequence[tuple[list[float], float]], n: int) -> list[float]:
    """Non-negative least squares (active set) of ``sum(k[i] * x[i]) = y`` over ``rows``, each
    row weighted by ``1/y`` (relative errors)."""
    free = list(range(n))
    x = [0.0] * n
    while free:
        m = len(free)
        ata = [[0.0] * m for _ in range(m)]
        aty = [0.0] * m
        for k, y in rows:
            w = 1.0 / (y * y) if y > 0 else 0.0
            for a, i in enumerate(free):
                aty[a] += w * k[i] * y
                for b, j in enumerate(free):
                    ata[a][b] += w * k[i] * k[j]
        sol = _solve(ata, aty)
        if sol is None:  # singular: drop the unknown with the smallest diagonal
            free.pop(min(range(m), key=lambda a: ata[a][a]))
            continue
        worst = min(range(m), key=lambda a: sol[a])
        if sol[worst] >= 0:
            x = [0.0] * n
            for a, i in enumerate(free):
                x[i] = sol[a]
            return x
        free.pop(worst)  # clamp the most negative at 0 and solve again
    return x


def _solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        piv = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[piv][c]) < 1e-12:
            return None
        m[c], m[piv] = m[piv], m[c]
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def fit_calls(measure: Measure, base: dict[str, float], *, seconds: float = 0.1,
              designs: Sequence[str] = DESIGNS, series: int = 10_000,
              progress: Progress | None = None,
              ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:  # fmt: skip
    """Fit :data:`FITTED` to ``measure``'s per-call times; returns (costs, cells)."""
    # every unknown at UNIT, then each in turn at 2*UNIT: the differences are its coefficient
    # (an all-zero baseline could make a call free, and a closed loop of free calls never
    # lets virtual time advance)
    # Far map accesses (far.py) off: a new-series cell's label sets outgrow the caches
    # within the window, more of them the faster its calls, which no per-call constant can
    # fit; the real run's share of them (~100,000 label sets in 0.1 s) stays in N.
    ones = {**base, **dict.fromkeys(FITTED, UNIT), "map_miss_ns": 0.0}
    rows: list[tuple[list[float], float]] = []
    cells: dict[str, dict[str, float]] = {}
    for design in designs:
        for call in CALLS:
            w = one_call_workload(call, seconds, series)
            if progress is not None:
                progress(f"{design} {call}")
            measured = measure(w, design)
            t1 = model_ns(w, design, ones)
            ks = [(model_ns(w, design, {**ones, name: 2 * UNIT}) - t1) / UNIT for name in FITTED]
            k0 = t1 - UNIT * sum(ks)
            rows.append((ks, measured - k0))
            cells[f"{design}/{call}"] = {"measured_ns": measured, "fixed_ns": k0,
                                         "coefficients": dict(zip(FITTED, ks, strict=True))}  # type: ignore[dict-item]  # fmt: skip
    x = fit(rows, len(FITTED))
    fitted = {name: round(v, 1) for name, v in zip(FITTED, x, strict=True)}
    for (ks, _), cell in zip(rows, cells.values(), strict=True):
        cell["model_ns"] = cell["fixed_ns"] + sum(k * v for k, v in zip(ks, x, strict=True))
    return fitted, cells


def calibrate(*, quick: bool = False, progress: Progress | None = None,
              measure: Measure = go_ns, burst_measure: IterationNs = go_iteration_ns,
              ) -> Calibration:  # fmt: skip
    from lsim.engine.machine import foreign_cores_beside, own_cpu_s, read_cpu
    from lsim.engine.model.machine import run_program, runtime_costs

    # the figures are times: other processes' CPU use while they ran is their noise
    start, own0 = read_cpu(()), own_cpu_s()
    if progress is not None:
        progress("runtime micro-benchmarks")
    measured = runtime_costs(run_program(quick=quick))
    base = {**COST_DEFAULTS, **measured.costs, "scrape_parse_ns": 0.0, "wal_append_ns": 0.0}
    fitted, cells = fit_calls(measure, base, seconds=0.05 if quick else 0.1, progress=progress)
    how = ("least-squares fit of one goroutine's per-call time on --engine go (GOMAXPROCS=1, "
           f"{len(DESIGNS)} designs x {len(CALLS)} calls) to the model's own formulas")  # fmt: skip
    sources = {**measured.sources, **dict.fromkeys(fitted, how)}
    burst, burst_cells = fit_burst({**base, **fitted}, quick=quick, progress=progress,
                                   measure=burst_measure)  # fmt: skip
    fitted["burst_goroutine_ns"] = burst
    cells.update(burst_cells)
    sources["burst_goroutine_ns"] = (
        "BenchmarkHighContention's median iteration on --engine go at GOMAXPROCS=1 minus the "
        f"model's with this file's other costs, per goroutine, median of {', '.join(BURST_DESIGNS)}"
    )
    machine = {"go_version": measured.raw.get("go_version"), "num_cpu": measured.raw.get("num_cpu"),
               "goarch": measured.raw.get("goarch"), "cpu": _cpu_name(),
               "host": platform.node(), "figures": measured.raw.get("figures", {})}  # fmt: skip
    foreign = foreign_cores_beside(start, read_cpu(()), own_cpu_s() - own0)
    if foreign is not None:
        machine["foreign_cores"] = round(foreign, 2)
    # scrape_parse_ns and wal_append_ns are Alloy's work around the store, which no
    # micro-benchmark here measures (the go engine does neither): the file leaves them out,
    # so a workload keeps its own values
    costs = {k: v for k, v in {**base, **fitted}.items() if k not in UNMEASURED}
    return Calibration(costs, sources, cells, machine)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_costs_file(cal: Calibration, path: Path) -> None:
    import yaml

    doc = {
        "kind": COSTS_FILE_KIND,
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {k: v for k, v in cal.machine.items() if k != "figures"},
        "costs": {k: cal.costs[k] for k in COST_DEFAULTS if k in cal.costs},
        "sources": cal.sources,
        "calls": {
            k: {
                "measured_ns": round(v["measured_ns"], 1),
                "model_ns": round(v.get("model_ns", 0.0), 1),
            }
            for k, v in cal.cells.items()
        },  # fmt: skip
        "figures": cal.machine.get("figures", {}),
    }
    header = ("# Model costs measured on this machine by `lsim calibrate` (see "
              "lsim/workload/costs.py).\n# Use: lsim run --engine model --costs FILE, or "
              "`model: {costs: FILE}` in a workload.\n")  # fmt: skip
    path.write_text(header + yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
