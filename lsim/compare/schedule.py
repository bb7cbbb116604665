"""Which runs a compare or sweep makes, and in which order: a pure function of the options.

Runs are interleaved (A B C A B C ...) rather than grouped (A A A B B B ...) so that slow
drift on a shared machine (thermal throttling, a neighbour's batch job, page-cache warm-up)
falls on every design alike instead of on whichever design happened to run last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lsim.errors import ConfigError
from lsim.limits import MAX_SHARDS

COMPARE_SHARDS: tuple[int, ...] = (32, 64)  # the two counts the reference document quotes
ELLIPSIS = "..."
MAX_REPEAT = 100  # repetitions per design
MAX_VALUES = 64  # values in one --shards/--threads list (1,2,4,...,256 is 9)
MAX_RUNS = 2_000  # runs in one schedule


@dataclass(frozen=True)
class Variant:
    """One configuration being measured: a store design, its shards, maybe a thread count."""

    store: str
    shards: int | None = None
    threads: int | None = None  # None: the workload's (or --threads') own count
    engine: str | None = None  # None: the command's one --engine (set when several are compared)
    gomaxprocs: int | None = None  # None: the command's --gomaxprocs (a sweep axis sets it)
    offered: str | None = None  # None: the workload's own load; else a sweep's --offered value

    @property
    def design(self) -> str:
        """The store label, as ``Experiment.store_label`` spells it (``sharded-64``)."""
        return f"{self.store}-{self.shards}" if self.store == "sharded" else self.store

    @property
    def label(self) -> str:
        label = self.design if self.threads is None else f"{self.design} @{self.threads}"
        if self.gomaxprocs is not None:
            label += f" P={self.gomaxprocs}"
        if self.offered is not None:
            label += f" load={self.offered}"
        return label if self.engine is None else f"{label} [{self.engine}]"

    @property
    def file_stem(self) -> str:
        stem = self.design if self.threads is None else f"{self.design}-t{self.threads}"
        if self.gomaxprocs is not None:
            stem += f"-p{self.gomaxprocs}"
        if self.offered is not None:  # "1.2x mutex" -> "-o1.2x_mutex": one safe file name
            stem += "-o" + "".join(c if c.isalnum() or c in ".-" else "_" for c in self.offered)
        return stem if self.engine is None else f"{stem}-{self.engine}"


@dataclass(frozen=True)
class Slot:
    """One run in the schedule: ``index`` (0-based) is its position, repetition is 1-based."""

    index: int
    variant: Variant
    repetition: int
    repeat: int


def interleave(variants: Sequence[Variant], repeat: int) -> list[Slot]:
    """``repeat`` rounds, each running every variant once in the given order."""
    if not 1 <= repeat <= MAX_REPEAT:
        raise ConfigError(f"must be 1..{MAX_REPEAT} (got {repeat:,})", source="--repeat")
    if len(set(variants)) != len(variants):
        raise ValueError("interleave: variants must be distinct")
    if repeat * len(variants) > MAX_RUNS:
        raise ConfigError(
            f"{repeat} repetitions of {len(variants)} configurations is "
            f"{repeat * len(variants):,} runs; at most {MAX_RUNS:,} in one schedule",
            source="--repeat",
        )
    order = [(r, v) for r in range(1, repeat + 1) for v in variants]
    return [Slot(i, v, r, repeat) for i, (r, v) in enumerate(order)]


def parse_stores(text: str | None, flag: str = "--stores") -> tuple[str, ...]:
    """Comma-separated design names (None: all seven); duplicates are dropped, order kept."""
    from lsim.stores import STORE_NAMES

    if text is None:
        return STORE_NAMES
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise ConfigError(f"no design given; allowed: {', '.join(STORE_NAMES)}", source=flag)
    unknown = [n for n in names if n not in STORE_NAMES]
    if unknown:
        raise ConfigError(
            f"unknown store design {', '.join(map(repr, unknown))}; allowed: "
            f"{', '.join(STORE_NAMES)}",
            source=flag,
        )
    return tuple(dict.fromkeys(names))


def parse_counts(text: str, flag: str, lo: int, hi: int) -> tuple[int, ...]:
    """``32,64`` or a geometric run ``1,2,4,...,256`` (the ratio taken from the first two)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    allowed = f"allowed: integers {lo}..{hi}, comma-separated (e.g. 1,2,4,...,{hi})"
    if not parts:
        raise ConfigError(f"no value given; {allowed}", source=flag)
    if len(parts) > MAX_VALUES:
        raise ConfigError(f"{len(parts):,} values; at most {MAX_VALUES} in one list", source=flag)
    values: list[int] = []
    for i, part in enumerate(parts):
        if part == ELLIPSIS:
            values = _expand(values, parts[i + 1 :], flag, allowed)
            break
        values.append(_integer(part, flag, allowed))
    bad = [v for v in values if not lo <= v <= hi]
    if bad:
        raise ConfigError(f"{bad[0]} is out of range; {allowed}", source=flag)
    return tuple(dict.fromkeys(values))


def _integer(part: str, flag: str, allowed: str) -> int:
    shown = repr(part) if len(part) <= 40 else repr(part[:37]) + "..."
    if len(part) > 20:
        raise ConfigError(f"{shown} is too long for a count; {allowed}", source=flag)
    try:
        return int(part.replace("_", ""))
    except ValueError:
        raise ConfigError(f"{shown} is not an integer; {allowed}", source=flag) from None


def _expand(head: list[int], tail: list[str], flag: str, allowed: str) -> list[int]:
    if len(head) < 2 or len(tail) != 1:
        raise ConfigError(f"'...' needs two values before it and one after; {allowed}", source=flag)
    a, b = head[-2], head[-1]
    end = _integer(tail[0], flag, allowed)
    if a < 1 or b % a or b // a < 2:
        raise ConfigError(
            f"'...' continues a geometric series: {b} must be a multiple >= 2 of {a}", source=flag
        )
    values, ratio = list(head), b // a
    while values[-1] * ratio <= end:
        values.append(values[-1] * ratio)
    if values[-1] != end:
        values.append(end)  # the stated end point is always measured
    return values


def parse_shards(text: str | None, default: tuple[int, ...] = COMPARE_SHARDS) -> tuple[int, ...]:
    return default if text is None else parse_counts(text, "--shards", 1, MAX_SHARDS)


def compare_variants(
    stores: Sequence[str], shards: Sequence[int], shards_given: bool = False
) -> list[Variant]:
    """The designs in the given order, ``sharded`` expanded in place to one per shard count."""
    if shards_given and "sharded" not in stores:
        raise ConfigError(
            "applies to the sharded design; add sharded to --stores", source="--shards"
        )
    out: list[Variant] = []
    for store in stores:
        if store == "sharded":
            out += [Variant("sharded", n) for n in shards]
        else:
            out.append(Variant(store))
    return out


def parse_engines(text: str, allowed: Sequence[str]) -> tuple[str, ...]:
    """``--engine go`` or a comma list ``threads,model,go`` (order kept, duplicates dropped)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in allowed]
    if not names or unknown:
        got = ", ".join(map(repr, unknown)) if unknown else "nothing"
        raise ConfigError(f"unknown engine {got}; allowed: {', '.join(allowed)} or a comma "
                          "list of them", source="--engine")  # fmt: skip
    return tuple(dict.fromkeys(names))


def with_engines(variants: Sequence[Variant], engines: Sequence[str]) -> list[Variant]:
    """Each variant once per engine, engines side by side; one engine leaves them as they are."""
    if len(engines) < 2:
        return list(variants)
    return [
        Variant(v.store, v.shards, v.threads, e, v.gomaxprocs) for v in variants for e in engines
    ]
