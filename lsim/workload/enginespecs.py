"""``model`` and ``store``: how the Go-runtime model engine and the store design run a workload.

Split from ``model.py`` (which re-exports both) to keep modules small.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from lsim.errors import ConfigError
from lsim.limits import MAX_GOROUTINES_MODEL, MAX_SHARDS
from lsim.workload import checks as ck
from lsim.workload.costs import COST_DEFAULTS

MAX_SIM_TIME_S = 3600.0  # one simulated hour; the wall-time estimate bounds it further
MAX_COST_NS = 1e12  # one cost of 1,000 s: far beyond any real service time


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """The Go-runtime model engine. ``costs`` always holds every cost (defaults merged in)."""

    gomaxprocs: int = 8
    goroutines: int | None = None  # None: threads.count
    sim_time_s: float = 0.2
    costs: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        ck.integer("gomaxprocs", self.gomaxprocs, lo=1, hi=4096)
        if self.goroutines is not None:
            ck.integer("goroutines", self.goroutines, lo=1, hi=MAX_GOROUTINES_MODEL)
        ck.number("sim_time_s", self.sim_time_s, lo=0.0, lo_open=True, hi=MAX_SIM_TIME_S)
        if self.sim_time_s < 1e-6:
            raise ConfigError(
                f"must be >= 1 us (got {self.sim_time_s:g} s): shorter runs simulate nothing",
                field="sim_time_s",
            )
        for name, value in self.costs.items():
            ck.choice(f"costs.{name}", name, tuple(COST_DEFAULTS), what="cost")
            ck.number(f"costs.{name}", value, lo=0.0, hi=MAX_COST_NS)
        object.__setattr__(self, "costs", MappingProxyType({**COST_DEFAULTS, **self.costs}))

    def __hash__(self) -> int:  # a mapping proxy is not hashable; its items are
        return hash((self.gomaxprocs, self.goroutines, self.sim_time_s, *self.costs.items()))


@dataclass(frozen=True, slots=True)
class StoreSpec:
    """Optional: the design a workload is meant for (CLI flags override it)."""

    design: str | None = None
    shards: int | None = None

    def __post_init__(self) -> None:
        if self.design is not None:
            ck.choice("design", self.design, known_designs(), what="store design")
        if self.shards is not None:
            ck.integer("shards", self.shards, lo=1)
            if self.shards > MAX_SHARDS:
                raise ConfigError(
                    f"must be <= {MAX_SHARDS} (got {self.shards}): the shard index "
                    "lives in the top 8 bits of a global id",
                    field="shards",
                )
            if self.design not in (None, "sharded"):
                raise ConfigError(
                    f"only for design: sharded (design is {self.design})", field="shards"
                )


def known_designs() -> tuple[str, ...]:
    from lsim.stores import STORE_NAMES  # the one registry; imported only when a design is named

    return STORE_NAMES
