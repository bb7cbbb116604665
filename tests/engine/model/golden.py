"""Golden cells: small model runs whose profiles must not change when the engine gets faster.

The model is deterministic per seed, so a speed-up that changes any number in a profile
changed the model. ``fingerprint`` is the profile as JSON minus what measures the host (wall
time, events per wall second, the creation time). ``python -m tests.engine.model.golden``
rewrites ``golden.json`` (only after a change that is *meant* to change the model).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lsim.engine.model import run_model
from lsim.stores import LABELSTORE_NAMES
from lsim.workload.load import load_workload, parse_workload
from lsim.workload.model import Workload

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = Path(__file__).with_name("golden.json")
VOLATILE_TIMINGS = ("wall_s", "events_per_s")
LONG = 64  # lists longer than this are kept as a digest


def _mix(new: float, exponential: bool = False) -> Workload:
    costs: dict[str, float] = {"scrape_parse_ns": 0.0, "wal_append_ns": 0.0}
    if exponential:
        costs["exponential_service"] = 1.0
    return parse_workload(
        {
            "name": f"golden-mix{int(new * 100)}", "seed": 1, "threads": {"count": 300},
            "run": {"duration_s": 1.0, "warmup_s": 0.3},
            "series": {"count": 2_000, "prepopulated": 2_000, "template": "alloy-benchmark"},
            "components": 1,
            "ops": {"mix": {"GetOrAddGlobalRefID": 48.0, "GetLocalRefID": 44.0,
                            "AddLocalLink": 8.0}, "draw": {"new_series": new}},
            "model": {"costs": costs},
        },
        "<golden mix>",
    )  # fmt: skip


def _file(name: str, rate: float | None = None) -> Workload:
    w = load_workload(ROOT / "workloads" / name)
    if rate is not None:  # busier than the file, so a short window has work in it
        w = dataclasses.replace(w, pacing=dataclasses.replace(w.pacing, rate_per_thread=rate))
    return w


def _churn() -> Workload:
    return _file("high-churn.yaml", 100.0)


def _read() -> Workload:
    return _file("read-heavy.yaml", 100.0)


def _burst() -> Workload:
    w = _file("alloy-high-contention.yaml").with_overrides(iterations=2)
    costs = {**w.model.costs, "scrape_parse_ns": 0.0, "wal_append_ns": 0.0}
    return dataclasses.replace(w, model=dataclasses.replace(w.model, costs=MappingProxyType(costs)))


# name -> (workload factory, design, shards, gomaxprocs, goroutines, sim time s)
CELLS: dict[str, tuple[Any, str, int | None, int, int | None, float]] = {
    **{f"mix0-{d}": (lambda: _mix(0.0), d, 8 if d == "sharded" else None, 2, None, 0.01)
       for d in LABELSTORE_NAMES},
    **{f"mix50-{d}": (lambda: _mix(0.5), d, 8 if d == "sharded" else None, 4, None, 0.01)
       for d in LABELSTORE_NAMES},
    "mix50-exp-mutex": (lambda: _mix(0.5, True), "mutex", None, 2, None, 0.01),
    "mix50-exp-rwmutex": (lambda: _mix(0.5, True), "rwmutex", None, 2, None, 0.01),
    "dump-mutex": (lambda: _file("alloy-production-dump.yaml"), "mutex", None, 16, 3_000, 0.03),
    "dump-sharded": (lambda: _file("alloy-production-dump.yaml"), "sharded", 16, 16, 3_000, 0.03),
    "churn-mutex": (_churn, "mutex", None, 4, 300, 0.03),
    "churn-finegrained": (_churn, "finegrained", None, 4, 300, 0.03),
    "churn-sharded": (_churn, "sharded", 4, 4, 300, 0.03),
    "read-percomponent": (_read, "percomponent", None, 4, 300, 0.03),
    "read-syncmap": (_read, "syncmap", None, 4, 300, 0.03),
    "read-lockfree": (_read, "lockfree", None, 4, 300, 0.03),
    "burst-mutex": (_burst, "mutex", None, 4, 2_000, 0.05),
    "burst-sharded": (_burst, "sharded", 8, 4, 2_000, 0.05),
    # directfanout makes the Fanout's calls, on pipelines only (recorded when it was added)
    "2rw-directfanout": (lambda: _file("alloy-production-2rw.yaml"), "directfanout", None, 4,
                         2_000, 0.2),
}  # fmt: skip


def run_cell(name: str) -> dict[str, Any]:
    factory, design, shards, procs, goroutines, sim_s = CELLS[name]
    p = run_model(factory(), design, shards=shards, gomaxprocs=procs, goroutines=goroutines,
                  sim_time_s=sim_s)  # fmt: skip
    return fingerprint(p.to_dict())


def fingerprint(d: dict[str, Any]) -> dict[str, Any]:
    """The profile minus host measurements; a long list (per goroutine) becomes its length
    and digest, so the file stays small and a difference still names the field."""
    d = json.loads(json.dumps(d))  # tuples -> lists, as the file holds them
    d.pop("created", None)
    d.pop("lsim_version", None)
    for key in VOLATILE_TIMINGS:
        d.get("timings", {}).pop(key, None)
    for key, value in d.items():
        if isinstance(value, list) and len(value) > LONG:
            text = json.dumps(value, sort_keys=True).encode()
            d[key] = {"len": len(value), "sha256": hashlib.sha256(text).hexdigest()}
    return d


def differences(want: Any, got: Any, path: str = "") -> list[str]:
    """Field-by-field differences (``path: want != got``), at most a few per list."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = []
        for k in sorted(set(want) | set(got), key=str):
            if k not in got or k not in want:
                out.append(f"{path}.{k}: {'missing' if k not in got else 'unexpected'}")
            else:
                out += differences(want[k], got[k], f"{path}.{k}")
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{path}: {len(want)} items != {len(got)}"]
        out = []
        for i, (a, b) in enumerate(zip(want, got, strict=True)):
            out += differences(a, b, f"{path}[{i}]")
            if len(out) > 5:
                break
        return out
    return [] if want == got else [f"{path}: {want!r} != {got!r}"]


if __name__ == "__main__":
    names = sys.argv[1:] or list(CELLS)
    data = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    for n in names:
        data[n] = run_cell(n)
        print(n, data[n]["total_ops"], data[n]["timings"]["events"])
    GOLDEN.write_text(json.dumps(data, indent=None, sort_keys=True, separators=(",", ":")) + "\n")
