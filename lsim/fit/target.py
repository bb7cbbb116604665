"""What ``lsim fit`` must reproduce: a census, from a dump or given as numbers.

* ``goroutines``: every goroutine the process had;
* ``blocked``: per store operation, the goroutines blocked on the store's locks;
* ``in_store``: per operation, the goroutines in the store but not blocked (running, runnable);
* ``other``: goroutines that are neither in the store nor callers of it (a real service has
  HTTP handlers, the WAL, GC workers...): they are added to the census as they are and are
  not simulated. The rest are the store's callers: the simulated goroutines.

From several dumps the mean over dumps is the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lsim.errors import ConfigError
from lsim.profile.model import is_blocked_state
from lsim.sync.states import LABELSTORE_BY_GO_NAME


@dataclass(frozen=True)
class FitTarget:
    goroutines: int
    blocked: dict[str, float]  # operation -> goroutines blocked on a store lock
    in_store: dict[str, float] = field(default_factory=dict)  # operation -> not blocked
    other: int = 0  # goroutines neither in the store nor its callers (not simulated)
    source: str = "numbers"
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.goroutines < 1:
            raise ConfigError(f"must be >= 1 (got {self.goroutines})", source="--goroutines")
        total = sum(self.blocked.values()) + sum(self.in_store.values()) + self.other
        if total > self.goroutines + 1e-6:
            raise ConfigError(
                f"{total:,.0f} goroutines blocked, in the store or other, more than the "
                f"{self.goroutines:,} goroutines in all",
                source="--blocked",
            )
        unknown = [op for op in (*self.blocked, *self.in_store) if op not in LABELSTORE_BY_GO_NAME]
        if unknown:
            raise ConfigError(
                f"fit models Alloy's labelstore, whose operations are "
                f"{', '.join(LABELSTORE_BY_GO_NAME)}; not {', '.join(sorted(set(unknown)))}",
                source=self.source,
            )
        if not any(self.blocked.values()) and not any(self.in_store.values()):
            raise ConfigError(
                "no goroutine is in the store: nothing to fit (is --store-method right?)",
                source=self.source,
            )

    @property
    def workers(self) -> int:
        """The store's callers: the goroutines the model simulates."""
        return self.goroutines - self.other

    @property
    def blocked_total(self) -> float:
        return sum(self.blocked.values())

    @property
    def blocked_share(self) -> float:
        return self.blocked_total / self.goroutines

    def share(self, op: str) -> float:
        return self.blocked.get(op, 0.0) / self.goroutines

    def weights(self) -> dict[str, float]:
        """The operation mix to start from: blocked goroutines per operation (a waiter's
        wait does not depend on its operation under one lock, so blocked counts are
        proportional to call rates), or the in-store ones when nothing is blocked."""
        base = {op: n for op, n in self.blocked.items() if n > 0}
        return base or {op: n for op, n in self.in_store.items() if n > 0}


def parse_blocked(text: str) -> dict[str, float]:
    """``GetOrAddGlobalRefID=26070,GetLocalRefID=23810`` -> a dict (``--blocked``)."""
    out: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        try:
            number = float(value.replace("_", ""))
        except ValueError:
            number = -1.0
        if not sep or not name or number < 0 or number != number:
            raise ConfigError(
                f"expected OPERATION=COUNT[,OPERATION=COUNT...], e.g. "
                f"GetOrAddGlobalRefID=26070,GetLocalRefID=23810 (got {part!r})",
                source="--blocked",
            )
        if name in out:
            raise ConfigError(f"{name} is given twice", source="--blocked")
        out[name] = number
    if not out:
        raise ConfigError("give at least one OPERATION=COUNT", source="--blocked")
    return out


def target_from_numbers(goroutines: int, blocked: dict[str, float], other: int = 0) -> FitTarget:
    return FitTarget(goroutines, blocked, {}, other, source="--blocked")


def target_from_analysis(analysis: object, source: str) -> FitTarget:
    """The mean census over the dumps of an :class:`~lsim.analyze.census.Analysis`."""
    from lsim.analyze.census import Analysis

    assert isinstance(analysis, Analysis)
    dumps = analysis.dumps
    n = len(dumps)
    blocked: dict[str, float] = {}
    in_store: dict[str, float] = {}
    for d in dumps:
        for (state, op, _), count in d.cells.items():
            if not op:
                continue
            into = blocked if is_blocked_state(state) else in_store
            into[op] = into.get(op, 0.0) + count / n
    goroutines = round(sum(d.goroutines for d in dumps) / n)
    callers = sum(d.callers for d in dumps) / n
    outside = goroutines - sum(blocked.values()) - sum(in_store.values())
    notes: list[str] = []
    if callers > 0:
        other = max(0, round(outside - callers))
        notes.append(
            f"{other:,} goroutines are neither in the store nor its callers (--callers): "
            "added to the census, not simulated"
        )
    else:
        other = 0
        notes.append(
            "no goroutine outside the store matched --callers: every goroutine is taken to "
            "be a caller of the store"
        )
    return FitTarget(goroutines, blocked, in_store, other, source=source, notes=tuple(notes))
