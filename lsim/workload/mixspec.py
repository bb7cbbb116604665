"""``ops.mix`` + ``ops.draw``: operations drawn at random by weight, for what-if workloads.

Unlike a pipeline, every drawn operation is one store call (no conditions), so the share of
each operation among store calls tracks its weight. ``draw`` says how arguments are picked:
``new_series`` is the share of GetOrAddGlobalRefID / GetOrAddLink calls that bring a label
set the store has never seen (a new series: a map insert, and for ``finegrained`` the write
side of ``globalMut``). Calls that take a global id (GetLocalRefID, Add/ReplaceLocalLink,
TrackStaleness) pass one the thread has fetched, as real callers do (``mixplan.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from lsim.errors import ConfigError
from lsim.sync.states import LABELSTORE_BY_GO_NAME, Operation
from lsim.workload import checks as ck

MIX_SERIES = ("uniform", "thread")
MIX_COMPONENTS = ("uniform", "by_thread")


@dataclass(frozen=True, slots=True)
class MixSpec:
    # Go operation name -> relative weight (>= 0, not all 0). YAML: ops.mix.
    weights: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(
            {"GetOrAddGlobalRefID": 48.27, "GetLocalRefID": 44.09}
        )
    )
    # YAML: ops.draw.*
    series: Literal["uniform", "thread"] = "uniform"  # thread: from the thread's own block
    series_per_thread: int = 100  # the block size for series: thread
    component: Literal["uniform", "by_thread"] = "uniform"  # by_thread: t % R
    stale_per_call: int = 1  # TrackStaleness: drawn series sent as stale markers
    live_per_call: int = 0  # TrackStaleness: drawn series sent as live samples
    new_series: float = 0.0  # share of GetOrAdd* calls with a never-seen label set (0..1)

    def __post_init__(self) -> None:
        if not isinstance(self.weights, Mapping):
            raise ConfigError(
                f"must be a mapping of operation -> weight (got {self.weights!r})", field="mix"
            )
        ordered: dict[str, float] = {}
        for name, weight in self.weights.items():
            ck.choice(f"mix.{name}", name, LABELSTORE_BY_GO_NAME, what="operation")
            ck.number(f"mix.{name}", weight, lo=0.0)
        for op in Operation:  # keep a canonical order so plans do not depend on file order
            if op.go_name in self.weights:
                ordered[op.go_name] = self.weights[op.go_name]
        if not any(ordered.values()):
            raise ConfigError(
                f"all weights are 0; give at least one operation a weight > 0 "
                f"(operations: {', '.join(LABELSTORE_BY_GO_NAME)})",
                field="mix",
            )
        object.__setattr__(self, "weights", MappingProxyType(ordered))
        ck.choice("draw.series", self.series, MIX_SERIES, what="series draw")
        ck.integer("draw.series_per_thread", self.series_per_thread, lo=1)
        ck.choice("draw.component", self.component, MIX_COMPONENTS, what="component draw")
        ck.integer("draw.stale_per_call", self.stale_per_call, lo=0, hi=100_000)
        ck.integer("draw.live_per_call", self.live_per_call, lo=0, hi=100_000)
        ck.number("draw.new_series", self.new_series, lo=0.0, hi=1.0)

    def __hash__(self) -> int:  # a mapping proxy is not hashable; its items are
        rest = (self.series, self.series_per_thread, self.component)
        return hash((*self.weights.items(), *rest, self.stale_per_call, self.live_per_call,
                     self.new_series))  # fmt: skip

    def check_against(self, series_count: int) -> None:
        if self.series == "thread" and self.series_per_thread > series_count:
            raise ConfigError(
                f"must be <= series.count ({series_count:,}) (got {self.series_per_thread:,})",
                field="ops.draw.series_per_thread",
            )

    def operations(self) -> tuple[tuple[Operation, float], ...]:
        """``(operation, weight)`` for the weights > 0, in Operation order."""
        return tuple((LABELSTORE_BY_GO_NAME[n], w) for n, w in self.weights.items() if w > 0)
