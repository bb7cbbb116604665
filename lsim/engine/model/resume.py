"""Resuming a goroutine whose stack has left the CPU caches: the extra cost of a switch.

A P that switches to a goroutine (``execute`` -> ``gogo``) touches its ``g``, its ``sudog``
and the stack frames it parked in (for a store call: the worker loop, the store method,
``Lock``/``lockSlow``, ``semacquire1``, ``gopark``). While few goroutines take turns those
lines stay cached; with thousands, a goroutine's lines were pushed out by the others that
ran since, and its resume waits for them.

The cost is a function of the goroutine's *reuse distances*: how many goroutines were
started since it last ran. The nearer cache level is a core's own, so its distance counts
the switches of the P it runs on since it last ran *there* (none: it last ran on another P,
or never, and every line is missed); the farther level (the last-level cache) is shared, so
its distance counts the switches of all Ps. With distance ``d`` a level still holds the
goroutine's lines with probability ``cached / d``, and a miss there costs that level's ns:

    extra = near_ns x max(0, 1 - near_goroutines / d_P) + far_ns x max(0, 1 - far_goroutines / d)

``lsim calibrate`` measures it with real Go (``calib/main.go``'s ``switch_ring``: G
goroutines parked in ``sync.Mutex.Lock``, each unlocking the next's mutex, at GOMAXPROCS=1,
so every switch resumes the goroutine that ran G switches before) and fits this curve to it
(:func:`lsim.engine.model.machine.fit_two_knees`); at one P both distances are the ring's.

A goroutine that was just spawned reuses a ``g`` and stack from its P's free list, which is
LIFO (``gfget``): its distances count from its spawn, on the spawning P.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class ResumeCosts(NamedTuple):
    """The fitted curve, in integer ns and goroutines (all 0: resuming is always warm)."""

    near_ns: int = 0
    near_goroutines: int = 0
    far_ns: int = 0
    far_goroutines: int = 0

    @property
    def on(self) -> bool:
        return self.near_ns > 0 or self.far_ns > 0


WARM: Final = ResumeCosts()


NEVER: Final = 1 << 62  # the near distance of a goroutine that last ran on another P


def resume_ns(near_d: int, far_d: int, near_ns: int, near_g: int, far_ns: int, far_g: int) -> int:
    """The extra ns of resuming a goroutine ``near_d`` switches of this P and ``far_d`` of all
    Ps after it last ran (integer arithmetic: the model stays deterministic everywhere)."""
    extra = 0
    if near_d > near_g:
        extra = near_ns - near_ns * near_g // near_d
    if far_d > far_g:
        extra += far_ns - far_ns * far_g // far_d
    return extra
