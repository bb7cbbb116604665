"""Compare two profiles, in the spirit of benchstat and ``pprof -base``.

``diff_profiles(before, after)`` lines up, per operation, the mean blocked threads and the
throughput, and per lock the wait, contention and acquisitions. Locks are matched by ROLE,
not only by name, so different designs compare: an indexed name collapses its index
(``labelstore.shard[7].mut`` -> ``labelstore.shard[*].mut``) and is summed over all its
instances; a shard's lock additionally plays the role of the single store lock
(``labelstore.Service.mut``), so ``mutex`` vs ``sharded`` compares the one mutex against the
sum over all shard mutexes. The text table is ``lsim.render.diff.render_diff``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lsim.profile.model import LockReport, Profile

if TYPE_CHECKING:
    from lsim.profile.resemblance import Resemblance

_INDEX = re.compile(r"\[[^\]]*\]")
_SHARD = re.compile(r"(?:\w*Sharded\w*\.)?\b[Ss]hards?\[\*\]")  # shard[*], X.shards[*]


def lock_group_name(name: str) -> str:
    """``labelstore.shard[7].mut`` -> ``labelstore.shard[*].mut`` (one row per lock family)."""
    return _INDEX.sub("[*]", name)


def lock_role(name: str) -> str:
    """The role a lock plays in the store: shard locks stand in for the one Service lock."""
    return _SHARD.sub("Service", lock_group_name(name))


@dataclass
class LockGroup:
    """Several locks of one family summed (wait max is the max)."""

    name: str
    kind: str
    mode: str
    members: list[str] = field(default_factory=list)
    acquisitions: int = 0
    contended: int = 0
    wait_total_ns: int = 0
    wait_max_ns: int = 0
    hold_total_ns: int = 0

    def add(self, lock: LockReport) -> None:
        if lock.name not in self.members:
            self.members.append(lock.name)
        self.acquisitions += lock.acquisitions
        self.contended += lock.contended
        self.wait_total_ns += lock.wait_total_ns
        self.wait_max_ns = max(self.wait_max_ns, lock.wait_max_ns)
        self.hold_total_ns += lock.hold_total_ns

    @property
    def contended_share(self) -> float:
        return self.contended / self.acquisitions if self.acquisitions else 0.0


def group_locks(locks: list[LockReport], key: str = "group") -> dict[tuple[str, str], LockGroup]:
    """Sum locks per ``(family, mode)`` (``key="group"``) or ``(role, mode)`` (``"role"``)."""
    namer = lock_role if key == "role" else lock_group_name
    out: dict[tuple[str, str], LockGroup] = {}
    for lock in locks:
        name = namer(lock.name)
        out.setdefault((name, lock.mode), LockGroup(name, lock.kind, lock.mode)).add(lock)
    return out


@dataclass(frozen=True)
class Change:
    """One number before and after; ``None`` where the side has no such thing."""

    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def ratio(self) -> float | None:
        """after / before (throughput: 2.0 = twice as fast); None when before is 0/absent."""
        if not self.before or self.after is None:
            return None
        return self.after / self.before

    @property
    def percent(self) -> float | None:
        ratio = self.ratio
        return None if ratio is None else (ratio - 1.0) * 100.0


@dataclass(frozen=True)
class OperationDiff:
    operation: str
    blocked: Change  # mean threads blocked in this operation per census sample
    ops_per_s: Change
    p99_ns: Change


@dataclass(frozen=True)
class LockDiff:
    role: str
    mode: str
    locks_before: int  # how many locks were summed on each side (64 for 64 shards)
    locks_after: int
    wait_total_ns: Change
    contended_share: Change  # contended / acquisitions, 0..1
    acquisitions: Change


@dataclass(frozen=True)
class ProfileDiff:
    before_label: str
    after_label: str
    threads: Change
    blocked_total: Change
    blocked_share: Change
    throughput: Change
    operations: list[OperationDiff]
    locks: list[LockDiff]
    notes: list[str]
    resemblance: Resemblance | None = None  # one number: TV distance of the censuses


def profile_label(profile: Profile) -> str:
    options = " ".join(f"{k}={v}" for k, v in sorted(profile.store_options.items()))
    return " ".join(
        p
        for p in (
            profile.store,
            options,
            f"({profile.engine}, "
            f"{profile.workload_name}, {profile.threads:,} threads, seed {profile.seed})",
        )
        if p
    )


def _operations(before: Profile, after: Profile) -> list[OperationDiff]:
    blocked_b, blocked_a = before.blocked_by_operation(), after.blocked_by_operation()
    ops_b = {o.operation: o for o in before.operations}
    ops_a = {o.operation: o for o in after.operations}
    names = list(dict.fromkeys([*blocked_b, *ops_b, *blocked_a, *ops_a]))
    names.sort(key=lambda op: -(blocked_b.get(op, 0.0) + blocked_a.get(op, 0.0)))
    out = []
    for op in names:
        ob, oa = ops_b.get(op), ops_a.get(op)
        out.append(
            OperationDiff(
                op,
                Change(blocked_b.get(op, 0.0), blocked_a.get(op, 0.0)),
                Change(ob.ops_per_s if ob else None, oa.ops_per_s if oa else None),
                Change(ob.p99_ns if ob else None, oa.p99_ns if oa else None),
            )
        )
    return out


def _locks(before: Profile, after: Profile) -> list[LockDiff]:
    gb, ga = group_locks(before.locks, "role"), group_locks(after.locks, "role")
    keys = list(dict.fromkeys([*gb, *ga]))
    out = []
    for key in keys:
        b, a = gb.get(key), ga.get(key)
        out.append(
            LockDiff(
                key[0],
                key[1],
                len(b.members) if b else 0,
                len(a.members) if a else 0,
                Change(b.wait_total_ns if b else None, a.wait_total_ns if a else None),
                Change(b.contended_share if b else None, a.contended_share if a else None),
                Change(b.acquisitions if b else None, a.acquisitions if a else None),
            )
        )
    out.sort(key=lambda d: -max(d.wait_total_ns.before or 0, d.wait_total_ns.after or 0))
    return out


def diff_profiles(before: Profile, after: Profile) -> ProfileDiff:
    from lsim.profile.resemblance import resemblance

    notes = []
    if before.workload_name != after.workload_name or before.workload != after.workload:
        notes.append(
            f"different workloads ({before.workload_name} vs {after.workload_name}):"
            " the numbers answer different questions"
        )
    if before.threads != after.threads:
        notes.append(
            f"different thread counts ({before.threads:,} vs {after.threads:,}):"
            " compare shares, not thread counts"
        )
    if before.regime != after.regime:
        notes.append(f"regime changed: {before.regime} -> {after.regime}")
    return ProfileDiff(
        before_label=profile_label(before),
        after_label=profile_label(after),
        threads=Change(before.threads, after.threads),
        blocked_total=Change(before.blocked_mean(), after.blocked_mean()),
        blocked_share=Change(before.blocked_share(), after.blocked_share()),
        throughput=Change(before.ops_per_s, after.ops_per_s),
        operations=_operations(before, after),
        locks=_locks(before, after),
        notes=notes,
        resemblance=resemblance(before, after),
    )
