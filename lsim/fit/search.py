"""The search: a few model runs, coarse (fewer goroutines) then fine (the dump's count).

The unknown is the pause after each call, ``think_s``. Under a saturated lock the goroutines
not blocked are about ``throughput * think_s`` (plus the few running in the store), so
``think_s`` starts from that estimate and each run corrects it by the ratio of not-blocked
shares, ``think *= (1 - target) / (1 - got)`` (a secant step in log space once there are two
runs). The operation mix starts at the dump's blocked counts and each run rescales every
weight by ``target share / model share``. Coarse runs use at most ``COARSE_GOROUTINES``
goroutines with ``think_s`` and the simulated time scaled alike (the same offered load per
lock capacity, so nearly the same shares, at a fraction of the cost); the fine runs use the
dump's goroutine count and are the ones the fit quality is measured on. Every choice derives
from the target and ``seed``: the same inputs give the same runs and the same workload.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lsim.fit.target import FitTarget
from lsim.fit.workload import FitPoint, fit_workload
from lsim.profile.model import CensusCell, Profile

COARSE_GOROUTINES = 4_000
COARSE_RUNS = 6
FINE_RUNS = 3
COARSE_TOL = 0.005  # blocked share, as a fraction
FINE_TOL = 0.01
HOLD_GUESS_S = 300e-9  # a first guess of the lock's hold per call (the model's costs give ~300 ns)
CYCLES = 3.0  # saturated cycles (goroutines x hold) to simulate after the warm-up
COARSE_CYCLES = 8.0  # coarse runs are cheap: more cycles, less noise in the mix
WARMUP_SHARE = 0.25  # the model's own warm-up share of the simulated time
MIN_SIM_S = 0.002
SMALL_MIN_SIM_S = 0.02  # at most COARSE_GOROUTINES goroutines a run is cheap: at least this
MAX_SIM_S = 0.2
CENSUS_SAMPLES = 200
MAX_STEP = 8.0  # think_s changes by at most this factor per run
OTHER_STATE = "other (not simulated)"

Status = Callable[[str, float], None]  # (what, fraction of the run done)


@dataclass
class Trial:
    """One model run of the search (or of the predictions)."""

    point: FitPoint
    phase: str  # "coarse" | "fine" | "predict"
    other: int  # goroutines added to the census, not simulated (scaled with the point)
    profile: Profile  # the model's profile with the other goroutines added
    wall_s: float

    @property
    def goroutines(self) -> int:
        return self.profile.threads

    @property
    def blocked_share(self) -> float:
        return self.profile.blocked_share()

    def share(self, op: str) -> float:
        return self.profile.blocked_by_operation().get(op, 0.0) / (self.goroutines or 1)

    @property
    def hold_s(self) -> float:
        """Mean hold per acquisition of the busiest exclusive lock family."""
        from lsim.profile.diff import group_locks

        groups = [g for g in group_locks(self.profile.locks).values() if g.mode == "write"]
        busiest = max(groups, key=lambda g: g.hold_total_ns, default=None)
        if busiest is None or not busiest.acquisitions:
            return HOLD_GUESS_S
        return busiest.hold_total_ns / busiest.acquisitions / 1e9


@dataclass
class FitResult:
    target: FitTarget
    store: str
    shards: int | None
    trials: list[Trial] = field(default_factory=list)
    best: Trial | None = None

    @property
    def point(self) -> FitPoint:
        assert self.best is not None
        return self.best.point


def with_others(profile: Profile, other: int) -> Profile:
    """``profile`` with ``other`` goroutines added to every census sample, never blocked."""
    if other <= 0:
        return profile
    cells = [*profile.census, CensusCell(OTHER_STATE, "", "", other * profile.census_samples)]
    return dataclasses.replace(profile, census=cells, threads=profile.threads + other)


def sim_time_for(goroutines: int, think_s: float, hold_s: float, cycles: float = CYCLES) -> float:
    """Enough simulated time for ``cycles`` saturated cycles (or think periods) after the
    warm-up, within ``MIN_SIM_S..MAX_SIM_S``."""
    cycle = max(goroutines * hold_s, think_s)
    floor = SMALL_MIN_SIM_S if goroutines <= COARSE_GOROUTINES else MIN_SIM_S
    return min(MAX_SIM_S, max(floor, cycles * cycle / (1 - WARMUP_SHARE)))


def run_point(point: FitPoint, store: str, shards: int | None, other: int, phase: str,
              status: Status | None = None) -> Trial:  # fmt: skip
    from lsim.engine.model import run_model

    workload = fit_workload(point)
    rate = max(1000.0, CENSUS_SAMPLES / ((1 - WARMUP_SHARE) * point.sim_time_s))
    t0 = time.perf_counter()
    profile = run_model(
        workload,
        store,
        shards=shards,
        census_rate_hz=rate,
        progress=(lambda f: status(phase, f)) if status else None,
    )
    return Trial(point, phase, other, with_others(profile, other), time.perf_counter() - t0)


def _next_think(trials: list[Trial], target: float) -> float:
    """The next ``think_s`` at the last trial's scale: a secant step in log space, kept
    inside the bracket once one run blocked too many and another too few, and the bracket's
    midpoint after two trials in a row on one side (a safeguarded secant: the model's blocked
    share can be steep in the pause near a convoy)."""
    last = trials[-1]
    same = [t for t in trials if t.point.goroutines == last.point.goroutines]
    z = last.point.think_s
    above = [t for t in same if t.blocked_share > target]  # too many blocked: pause too short
    below = [t for t in same if t.blocked_share <= target]
    if above and below:
        lo = max(above, key=lambda t: t.point.think_s)
        hi = min(below, key=lambda t: t.point.think_s)
        a, b = math.log(lo.point.think_s), math.log(hi.point.think_s)
        if a < b:
            side = last.blocked_share > target
            if len(same) >= 2 and (same[-2].blocked_share > target) == side:
                # two in a row on one side: the secant keeps one end and creeps (regula
                # falsi's stall where the share is steep); halve the bracket instead
                return math.exp((a + b) / 2)
            fa, fb = lo.blocked_share - target, hi.blocked_share - target
            x = a + (b - a) * fa / (fa - fb) if fa != fb else (a + b) / 2
            margin = 0.15 * (b - a)
            return math.exp(min(b - margin, max(a + margin, x)))
    if len(same) >= 2:
        prev = same[-2]
        dz = math.log(z) - math.log(prev.point.think_s)
        db = last.blocked_share - prev.blocked_share
        if dz and db and db / dz < 0:  # a usable secant (blocked falls as the pause grows)
            step = (target - last.blocked_share) * dz / db
            return z * math.exp(max(-math.log(MAX_STEP), min(math.log(MAX_STEP), step)))
    ratio = (1 - target) / max(1e-6, 1 - last.blocked_share)
    return z * max(1 / MAX_STEP, min(MAX_STEP, ratio))


def _next_weights(trial: Trial, target: FitTarget, damp: float = 1.0) -> dict[str, float]:
    """Each weight times ``(target share / model share) ** damp`` (shares of the blocked)."""
    weights = dict(trial.point.weights)
    got_total, want_total = trial.blocked_share, target.blocked_share
    if got_total <= 0 or want_total <= 0:
        return weights
    for op in weights:
        want, got = target.share(op) / want_total, trial.share(op) / got_total
        if want > 0 and got > 0:
            weights[op] *= (want / got) ** damp
    return weights


def _start(target: FitTarget, goroutines: int, gomaxprocs: int, seed: int,
           cycles: float) -> FitPoint:  # fmt: skip
    """The first point: the saturated-lock estimate of the pause (see the module doc)."""
    scale = goroutines / target.workers
    running = sum(target.in_store.values()) * scale
    not_blocked = goroutines - target.blocked_total * scale - running
    think = max(not_blocked, 0.02 * goroutines) * HOLD_GUESS_S
    sim = sim_time_for(goroutines, think, HOLD_GUESS_S, cycles)
    return FitPoint(goroutines, think, target.weights(), gomaxprocs, sim, seed)


def error_of(trial: Trial, target: FitTarget) -> float:
    """How far a trial is from the target: the worst of the total and the per-op shares."""
    ops = set(target.blocked) | set(trial.profile.blocked_by_operation())
    worst = max((abs(trial.share(op) - target.share(op)) for op in ops), default=0.0)
    return max(abs(trial.blocked_share - target.blocked_share), worst)


def fit(target: FitTarget, *, store: str = "mutex", shards: int | None = None,
        gomaxprocs: int = 8, seed: int = 1, status: Status | None = None,
        on_trial: Callable[[Trial], None] | None = None) -> FitResult:  # fmt: skip
    """Search for the workload whose census reproduces ``target`` (see the module doc)."""
    result = FitResult(target, store, shards)
    n = target.workers
    coarse_n = min(n, COARSE_GOROUTINES)
    goal = target.blocked_share

    def run(point: FitPoint, phase: str) -> Trial:
        other = round(target.other * point.goroutines / n)
        trial = run_point(point, store, shards, other, phase, status)
        result.trials.append(trial)
        if on_trial is not None:
            on_trial(trial)
        return trial

    phase = "coarse" if coarse_n < n else "fine"
    cycles = COARSE_CYCLES  # at most COARSE_GOROUTINES goroutines: long runs are cheap
    damp = 0.5 if phase == "coarse" else 1.0  # coarse runs: do not chase the mix's noise
    point = _start(target, coarse_n, gomaxprocs, seed, cycles)
    trials: list[Trial] = []
    for _ in range(COARSE_RUNS):  # at most COARSE_GOROUTINES goroutines: cheap runs
        trials.append(run(point, phase))
        if error_of(trials[-1], target) <= (COARSE_TOL if phase == "coarse" else FINE_TOL):
            break
        think = _next_think(trials, goal)
        sim = sim_time_for(coarse_n, think, trials[-1].hold_s, cycles)
        point = FitPoint(coarse_n, think, _next_weights(trials[-1], target, damp), gomaxprocs,
                         sim, seed)  # fmt: skip
    best = min(trials, key=lambda t: error_of(t, target))
    if phase == "coarse":
        hold = best.hold_s
        point = best.point.scaled(n, sim_time_for(n, best.point.think_s * n / coarse_n, hold))
        fine: list[Trial] = []
        for _ in range(FINE_RUNS):
            fine.append(run(point, "fine"))
            if error_of(fine[-1], target) <= FINE_TOL:
                break
            think = _next_think(fine, goal)
            point = FitPoint(n, think, _next_weights(fine[-1], target), gomaxprocs,
                             sim_time_for(n, think, fine[-1].hold_s), seed)  # fmt: skip
        best = min(fine, key=lambda t: error_of(t, target))
    result.best = best
    return result
