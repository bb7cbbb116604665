"""Shared pieces of the store tests: the designs to run, label sets, a hand-moved clock."""

from __future__ import annotations

from lsim.labels import Labels

# (design, shards) pairs the behaviour suite runs against; sharded at 1 (one shard must
# behave exactly like mutex), 7 (not a power of two), 64 (the default) and 256 (the maximum).
DESIGNS: list[tuple[str, int | None]] = [
    ("mutex", None),
    ("rwmutex", None),
    ("finegrained", None),
    ("sharded", 1),
    ("sharded", 7),
    ("sharded", 64),
    ("sharded", 256),
    ("syncmap", None),
    ("percomponent", None),
    ("lockfree", None),
]

LOCAL_MASK = (1 << 56) - 1


def design_id(design: tuple[str, int | None]) -> str:
    name, shards = design
    return name if shards is None else f"{name}-{shards}"


class FakeClock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def series(i: int, name: str = "http_requests_total") -> Labels:
    """A distinct label set per ``i`` (a fresh object each call: equality, not identity)."""
    return Labels.from_strings("__name__", name, "instance", f"10.0.0.{i % 256}", "i", str(i))


def local_part(global_id: int) -> int:
    """The per-shard id (the whole id for unsharded designs: their ids stay below 2**56)."""
    return global_id & LOCAL_MASK
