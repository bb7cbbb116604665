"""``pacing.offered``: a load stated relative to what a design can do on the machine at hand.

A rate per thread means different things on different machines: 25k calls/s is below one
mutex's capacity on one machine and far above it on another (issue 11). So a workload may
say ``offered: 1.6x mutex`` — 1.6 times the throughput the ``mutex`` design sustains on
this machine when saturated, measured by the threads engine's calibration
(``lsim.engine.capacity``) — or an absolute total, ``offered: 41000`` (store calls per
second over all threads). The engine turns either into a rate per thread.

Forms (``FORMS`` is what error messages list): ``<factor>x <design>`` with a factor in
(0, 1000] and a design name or ``sharded-<shards>``; a plain number of calls per second;
``<number> ops/s``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from lsim.errors import ConfigError
from lsim.limits import MAX_SHARDS
from lsim.workload import checks as ck

MAX_FACTOR = 1000.0
MAX_OPS_PER_S = 1e9
FORMS = (
    "'<factor>x <design>' (e.g. '1.6x mutex', '0.5x sharded-64'), or calls per second "
    "('41000', '41000 ops/s')"
)
_RELATIVE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*[x×]\s*([A-Za-z][\w-]*)\s*$")
_ABSOLUTE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(?:ops/s)?\s*$")


@dataclass(frozen=True, slots=True)
class OfferedLoad:
    """Either ``factor`` x the capacity of ``design`` (``shards`` for sharded), or
    ``ops_per_s`` calls per second in total."""

    factor: float | None = None
    design: str | None = None
    shards: int | None = None
    ops_per_s: float | None = None

    @property
    def relative(self) -> bool:
        return self.factor is not None

    @property
    def design_label(self) -> str:
        """``mutex``, ``sharded-64``: the label compare uses for the design."""
        if self.design == "sharded":
            return f"sharded-{self.shards}"
        return self.design or ""

    @property
    def text(self) -> str:
        """The YAML form (``load.parse_workload`` reads it back as an equal value)."""
        if self.relative:
            return f"{self.factor:g}x {self.design_label}"
        return f"{self.ops_per_s:g}"


def parse_offered(value: object) -> OfferedLoad:
    """An :class:`OfferedLoad` from the YAML value; :class:`ConfigError` on field ``offered``."""
    if isinstance(value, OfferedLoad):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _absolute(float(value), value)
    if not isinstance(value, str):
        raise ConfigError(f"must be one of {FORMS} (got {ck.describe(value)})", field="offered")
    relative = _RELATIVE.match(value)
    if relative:
        factor = float(relative.group(1))
        if not (math.isfinite(factor) and 0 < factor <= MAX_FACTOR):
            raise ConfigError(
                f"the factor must be > 0 and <= {MAX_FACTOR:g} (got {ck.describe(value)})",
                field="offered",
            )
        design, shards = _design(relative.group(2), value)
        return OfferedLoad(factor=factor, design=design, shards=shards)
    absolute = _ABSOLUTE.match(value)
    if absolute:
        return _absolute(float(absolute.group(1)), value)
    raise ConfigError(f"must be one of {FORMS} (got {ck.describe(value)})", field="offered")


def _absolute(ops: float, shown: object) -> OfferedLoad:
    if not (math.isfinite(ops) and 0 < ops <= MAX_OPS_PER_S):
        raise ConfigError(
            f"calls per second must be > 0 and <= {MAX_OPS_PER_S:g} (got {ck.describe(shown)})",
            field="offered",
        )
    return OfferedLoad(ops_per_s=ops)


def _design(name: str, shown: str) -> tuple[str, int | None]:
    from lsim.workload.enginespecs import known_designs

    designs = known_designs()
    base, _, count = name.partition("-")
    if base == "sharded" and count:
        if not count.isdigit() or not 1 <= int(count) <= MAX_SHARDS:
            raise ConfigError(
                f"sharded-N needs 1 <= N <= {MAX_SHARDS} (got {ck.describe(shown)})",
                field="offered",
            )
        return "sharded", int(count)
    if name == "sharded":
        raise ConfigError(
            f"say how many shards: sharded-N, 1 <= N <= {MAX_SHARDS} (got {ck.describe(shown)})",
            field="offered",
        )
    if name not in designs:
        allowed = ", ".join("sharded-N" if d == "sharded" else d for d in designs)
        raise ConfigError(
            f"unknown design {name!r} in {ck.describe(shown)}; allowed: {allowed}",
            field="offered",
        )
    return name, None
