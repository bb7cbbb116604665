"""The model's prediction for every design on the fitted workload, like ``compare --engine model``.

Each design runs once on the fitted workload at ``PREDICT_GOROUTINES`` goroutines at most,
with the pause and the simulated time scaled alike (the offered load per lock capacity of
the fit), first for a short time (enough for a design whose lock keeps up: a few pauses);
a design that still saturates is run again for as many saturated cycles as the fit used.
The reduction in blocked goroutines is against ``mutex`` at the same scale, beside the
reference document's estimate.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from lsim.compare.predictions import Prediction, predicted_reduction
from lsim.fit.search import CYCLES, Status, Trial, run_point, sim_time_for
from lsim.fit.target import FitTarget
from lsim.fit.workload import FitPoint

PREDICT_GOROUTINES = 4_000
SHORT_CYCLES = 6.0  # pauses to simulate when the lock keeps up
SATURATED_SHARE = 0.2  # blocked share above which a design is run again, longer
DESIGNS: tuple[tuple[str, int | None], ...] = (
    ("mutex", None),
    ("rwmutex", None),
    ("finegrained", None),
    ("sharded", 32),
    ("sharded", 64),
    ("syncmap", None),
    ("percomponent", None),
    ("lockfree", None),
)


@dataclass
class Prediction1:
    """One design on the fitted workload."""

    store: str
    shards: int | None
    trial: Trial
    reduction: float | None  # 1 - blocked / mutex's blocked (None for mutex itself or 0/0)
    document: Prediction | None

    @property
    def label(self) -> str:
        return f"sharded-{self.shards}" if self.store == "sharded" else self.store


def parse_designs(text: str | None) -> tuple[tuple[str, int | None], ...]:
    """``--designs mutex,sharded-64`` (default: the eight of ``lsim compare``)."""
    if not text:
        return DESIGNS
    from lsim.errors import ConfigError
    from lsim.stores import STORE_NAMES

    out: list[tuple[str, int | None]] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, _, shards = part.partition("-")
        if name not in STORE_NAMES or (shards and (name != "sharded" or not shards.isdigit())):
            raise ConfigError(
                f"unknown design {part!r}; allowed: {', '.join(STORE_NAMES)}, sharded-N",
                source="--designs",
            )
        n = int(shards) if shards else (64 if name == "sharded" else None)
        if n is not None and not 1 <= n <= 256:
            raise ConfigError(f"shards must be 1..256 (got {n})", source="--designs")
        out.append((name, n))
    if ("mutex", None) not in out:
        out.insert(0, ("mutex", None))  # the baseline every reduction is against
    return tuple(dict.fromkeys(out))


def predict(target: FitTarget, fitted: FitPoint, hold_s: float,
            designs: tuple[tuple[str, int | None], ...] = DESIGNS,
            status: Status | None = None) -> list[Prediction1]:  # fmt: skip
    n = min(fitted.goroutines, PREDICT_GOROUTINES)
    base = fitted.scaled(n, fitted.sim_time_s)
    other = round(target.other * n / fitted.goroutines)
    long_sim = sim_time_for(n, base.think_s, hold_s, CYCLES)
    out: list[Prediction1] = []
    mutex_blocked: float | None = None
    for store, shards in designs:
        label = f"sharded-{shards}" if store == "sharded" else store
        short = dataclasses.replace(base, sim_time_s=sim_time_for(n, base.think_s, 0.0,
                                                                  SHORT_CYCLES))  # fmt: skip
        trial = run_point(short, store, shards, other, f"predict {label}", status)
        workers = n or 1
        if trial.profile.blocked_mean() / workers > SATURATED_SHARE and long_sim > short.sim_time_s:
            longer = dataclasses.replace(base, sim_time_s=long_sim)
            trial = run_point(longer, store, shards, other, f"predict {label} (longer)", status)
        blocked = trial.blocked_share
        if store == "mutex":
            mutex_blocked = blocked
        reduction = None
        if store != "mutex" and mutex_blocked:
            reduction = 1 - blocked / mutex_blocked
        out.append(Prediction1(store, shards, trial, reduction, predicted_reduction(store, shards)))
    return out
