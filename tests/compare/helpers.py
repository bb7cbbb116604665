"""Synthetic profiles and run logs for the compare tests (no engine runs)."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from lsim.compare.runner import Finished, RunLog
from lsim.compare.schedule import Slot, Variant, interleave
from lsim.profile.model import Profile
from tests.fixtures.profiles import small_profile

FIXTURE_STORE = {"mutex": "mutex", "sharded": "sharded", "rwmutex": "rwmutex"}


def profile_with(
    store: str = "mutex",
    ops_per_s: float = 1000.0,
    regime: str | None = None,
    shards: int | None = None,
    p99_scale: float = 1.0,
) -> Profile:
    """A fixture profile of ``store`` (or of mutex for designs the fixture lacks), edited."""
    profile = copy.deepcopy(small_profile(FIXTURE_STORE.get(store, "mutex")))
    profile.store = store
    profile.store_options = {"shards": shards} if shards else {}
    profile.ops_per_s = ops_per_s
    for op in profile.operations:
        op.p99_ns = int(op.p99_ns * p99_scale)
    if regime is not None:
        profile.regime = regime
    return profile


def log_from(
    variants: Sequence[Variant], throughputs: dict[str, Sequence[float]], regime: str | None = None
) -> RunLog:
    """A finished log: repetition k of variant v measured ``throughputs[v.label][k]``."""
    repeat = max(len(v) for v in throughputs.values())
    plan = interleave(variants, repeat)
    log = RunLog(plan)
    for slot in plan:
        values = throughputs[slot.variant.label]
        if slot.repetition <= len(values):
            profile = profile_with(
                slot.variant.store, values[slot.repetition - 1], regime, slot.variant.shards
            )
            log.finished.append(Finished(slot, profile, None))
    return log


def slot_of(variant: Variant, repetition: int = 1, index: int = 0) -> Slot:
    return Slot(index, variant, repetition, repetition)
