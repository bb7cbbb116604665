"""Below or at saturation, and the evidence for it (DESIGN.md §5), for every engine.

One rule of evidence: a run is saturated when its busiest exclusive lock was held >= 90% of
the window, >= 10% of its paced batches started late, its processors were >= 90% busy, or
its workers never pause (a closed loop, or burst mode). Each engine states how busy its
processors were in its own words (:class:`~lsim.engine.record.ProcessorUse`); the rest is
worded here, once.
"""

from __future__ import annotations

from lsim.engine.record import RegimeEvidence

SATURATED_LOCK_UTILISATION = 0.9
SATURATED_LATE_SHARE = 0.1
SATURATED_PROCESSORS = 0.9
BELOW, SATURATED = "below-saturation", "saturated"
CLOSED_LOOP = "closed loop: no think time or pacing between operations"
BURST = "burst: goroutines run their plans with no pause"


def decide(e: RegimeEvidence) -> tuple[str, str]:
    """``(regime, reason)``: the saturation signs in a fixed order, or the calm readings."""
    late = e.pace_late / e.pace_steps if e.pace_steps else 0.0
    reasons: list[str] = []
    if e.lock is not None and e.lock.exclusive and e.lock.share >= SATURATED_LOCK_UTILISATION:
        reasons.append(f"{e.lock.name} held {e.lock.share:.0%} of the time")
    if e.pace_steps and late >= SATURATED_LATE_SHARE:
        reasons.append(f"{late:.0%} of paced batches started late")
    if e.processors.share >= SATURATED_PROCESSORS:
        reasons.append(e.processors.saturated)
    if e.burst:
        if e.burst_bounds:  # the one that bounds an iteration, not every sign at once
            return SATURATED, f"{BURST}; bound by {max(e.burst_bounds)[1]}"
        return SATURATED, BURST + (f"; {'; '.join(reasons)}" if reasons else "")
    if e.closed_loop:
        reasons.append(CLOSED_LOOP)
    if reasons:
        return SATURATED, "; ".join(reasons)
    calm = []
    if e.lock is not None:
        # (a design with no locks still names an empty one in the model: kept as it was)
        calm.append(f"busiest lock {e.lock.name} held {e.lock.share:.0%}")
    calm.append(e.processors.calm)
    if e.pace_steps:
        calm.append(f"{late:.0%} of paced batches late")
    return BELOW, ", ".join(calm)
