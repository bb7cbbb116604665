"""The offered load as a sweep axis: ``lsim sweep --offered 0.5x,0.8x,1x,1.2x``.

Each value is one of the ``pacing.offered`` forms (``lsim.workload.offered``: ``1.2x mutex``,
``41000``, ``41000 ops/s``), or a bare factor ``0.8x`` meaning 0.8 times the workload's own
load (its ``pacing.offered``, else its ``pacing.rate_per_thread``). The bare factor is what
a capacity planner usually wants on the model engine, where a load relative to a design's
capacity cannot be resolved (that capacity is a threads-engine measurement) and every cell
would silently run the workload's fallback rate instead; such a list is refused up front.

One list is one unit (factors or calls per second), so the values sort on one axis.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsim.errors import ConfigError
from lsim.workload.offered import MAX_FACTOR, OfferedLoad, parse_offered

FLAG = "--offered"
_OWN = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*[x×]\s*$")
MAX_VALUES = 64  # as lsim.compare.schedule.MAX_VALUES for the other axes

if TYPE_CHECKING:
    from lsim.workload.model import Workload


@dataclass(frozen=True)
class OfferedStep:
    """One value of the axis: ``own`` x the workload's own load, or a ``pacing.offered``."""

    text: str  # as the variant label shows it: "0.5x", "1.2x mutex", "41000"
    own: float | None = None
    load: OfferedLoad | None = None

    @property
    def x(self) -> float:
        """Where the value sits on the axis: the factor, or calls per second."""
        if self.own is not None:
            return self.own
        assert self.load is not None
        return float((self.load.factor if self.load.relative else self.load.ops_per_s) or 0.0)

    @property
    def unit(self) -> str:
        """``x`` (a factor of some load) or ``ops/s`` (an absolute rate)."""
        return "ops/s" if self.load is not None and not self.load.relative else "x"

    @property
    def needs_calibration(self) -> bool:
        """Relative to a design's capacity, which only the threads engine measures."""
        return self.load is not None and self.load.relative


def parse_step(text: str) -> OfferedStep:
    """One value: ``0.8x`` (the workload's own load x 0.8) or any ``pacing.offered`` form."""
    own = _OWN.match(text)
    if own:
        factor = float(own.group(1))
        if not (math.isfinite(factor) and 0 < factor <= MAX_FACTOR):
            raise ConfigError(
                f"the factor must be > 0 and <= {MAX_FACTOR:g} (got {text.strip()!r})", source=FLAG
            )
        return OfferedStep(f"{factor:g}x", own=factor)
    try:
        load = parse_offered(text.strip())
    except ConfigError as error:
        raise ConfigError(
            f"{error.detail}; or '<factor>x' for a multiple of the workload's own load",
            source=FLAG,
        ) from None
    return OfferedStep(load.text, load=load)


def parse_offered_axis(text: str) -> tuple[OfferedStep, ...]:
    """``0.5x,0.8x,1x`` (or ``20000,40000``, ``0.5x mutex,1x mutex``): distinct, in order."""
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise ConfigError("no value given; e.g. --offered 0.5x,0.8x,1x,1.2x", source=FLAG)
    if len(parts) > MAX_VALUES:
        raise ConfigError(f"{len(parts):,} values; at most {MAX_VALUES} in one list", source=FLAG)
    steps = tuple(dict.fromkeys(parse_step(p) for p in parts))
    kinds = {(s.unit, s.load.design_label if s.needs_calibration and s.load else "") for s in steps}
    if len(kinds) > 1:
        raise ConfigError(
            "one list, one unit: all factors of the workload's load (0.5x,1x), all relative "
            "to the same design (0.5x mutex,1x mutex) or all calls per second (20000,40000)",
            source=FLAG,
        )
    return steps


def check_steps(steps: tuple[OfferedStep, ...], engine: str, calibrate: bool) -> None:
    """Refuse a relative-to-a-design list where no calibration runs (every cell the same)."""
    if any(s.needs_calibration for s in steps) and (engine != "threads" or not calibrate):
        where = f"--engine {engine}" if engine != "threads" else "--no-calibrate"
        raise ConfigError(
            f"{steps[0].text!r} is relative to a design's capacity measured by the threads "
            f"engine's calibration, which does not run with {where}; every cell would run "
            "the workload's own rate. Use factors of the workload's load (0.5x,1x) or calls "
            "per second (20000,40000)",
            source=FLAG,
        )


def apply_step(w: Workload, step: OfferedStep) -> Workload:
    """``w`` offered ``step``'s load (the engine resolves it into a rate per thread)."""
    pacing = w.pacing
    factor = step.own or 1.0
    try:
        if step.load is not None:
            # think time is a closed loop's pause: an offered load replaces it
            new = dataclasses.replace(pacing, think="none", think_s=0.0, offered=step.load)
        elif pacing.offered is not None:
            new = dataclasses.replace(
                pacing,
                offered=_scaled(pacing.offered, factor),
                rate_per_thread=pacing.rate_per_thread * factor,
            )
        elif pacing.rate_per_thread:
            new = dataclasses.replace(pacing, rate_per_thread=pacing.rate_per_thread * factor)
        else:
            how = "think time" if pacing.think != "none" else "a closed loop"
            raise ConfigError(
                f"{step.text!r} scales the workload's offered load, but {w.name!r} is {how} "
                "(no pacing.offered or pacing.rate_per_thread); give calls per second "
                "instead, e.g. --offered 20000,40000",
                source=FLAG,
            )
    except ConfigError as error:
        if error.source == FLAG:
            raise
        raise ConfigError(f"{step.text}: {error.detail}", source=FLAG) from None
    return dataclasses.replace(w, pacing=new)


def _scaled(load: OfferedLoad, factor: float) -> OfferedLoad:
    if load.relative:
        assert load.factor is not None
        return parse_offered(f"{load.factor * factor!r}x {load.design_label}")
    assert load.ops_per_s is not None
    return parse_offered(load.ops_per_s * factor)
