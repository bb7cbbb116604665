"""The model workload ``lsim fit`` searches over, and the YAML file it writes.

One knob per thing the dump can tell: the goroutine count (the store's callers), the
operation mix (``ops.mix``, drawn uniformly from a steady-state set of known series, so
every GetOrAddGlobalRefID is a hit and every GetLocalRefID finds its link), and the offered
load per goroutine: an exponential pause of ``think_s`` after every call
(``pacing.think``), so each goroutine would call ``1 / think_s`` times a second if the lock
never made it wait. Under a saturated lock the share of goroutines not blocked is about
``throughput * think_s / goroutines``, which is what the search solves for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lsim.workload.load import parse_workload
from lsim.workload.model import Workload

SERIES = 10_000
COMPONENT = "prometheus.remote_write.default"
THREADS_CAP = 1_000  # threads.count (the threads engine's); the model runs model.goroutines


@dataclass(frozen=True)
class FitPoint:
    """One candidate: what the model runs."""

    goroutines: int
    think_s: float
    weights: dict[str, float]
    gomaxprocs: int
    sim_time_s: float
    seed: int

    def scaled(self, goroutines: int, sim_time_s: float) -> FitPoint:
        """The same offered load per lock capacity with fewer goroutines: ``think_s`` and
        the time scale with the count (``goroutines / think_s`` calls per second stays)."""
        factor = goroutines / self.goroutines
        return FitPoint(goroutines, self.think_s * factor, dict(self.weights), self.gomaxprocs,
                        sim_time_s, self.seed)  # fmt: skip


def workload_data(point: FitPoint, name: str = "fitted", description: str = "") -> dict[str, Any]:
    total = sum(point.weights.values()) or 1.0
    mix = {op: round(100.0 * w / total, 4) for op, w in point.weights.items() if w > 0}
    return {
        "name": name,
        "description": description,
        "seed": point.seed,
        "threads": {"count": min(point.goroutines, THREADS_CAP), "mode": "steady"},
        "run": {"duration_s": 5.0, "iterations": 5, "warmup_s": 1.0},
        "series": {"count": SERIES, "prepopulated": SERIES, "template": "alloy-benchmark"},
        "components": [COMPONENT],
        "ops": {"mix": mix, "draw": {"series": "uniform", "component": "uniform"}},
        "pacing": {"think": "exponential", "think_s": float(f"{point.think_s:.6g}")},
        "model": {
            "gomaxprocs": point.gomaxprocs,
            "goroutines": point.goroutines,
            "sim_time_s": float(f"{point.sim_time_s:.6g}"),
        },
    }


def fit_workload(point: FitPoint, name: str = "fitted", description: str = "") -> Workload:
    return parse_workload(workload_data(point, name, description), source="lsim fit")


def workload_yaml(point: FitPoint, header: list[str], name: str = "fitted",
                  description: str = "") -> str:  # fmt: skip
    """The fitted workload as a commented workload file (``lsim run --workload`` reads it)."""
    import yaml

    body = yaml.safe_dump(workload_data(point, name, description), sort_keys=False)
    return "".join(f"# {line}\n" if line else "#\n" for line in header) + body
