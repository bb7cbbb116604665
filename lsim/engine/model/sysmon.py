"""Go's sysmon in virtual time: who ends a time slice (``runtime/proc.go``, Go 1.19:
``sysmon``, ``retake``, ``preemptone``).

A goroutine is not preempted by a clock of its own. The system monitor, a thread without a
P, wakes up now and then and looks at every running P's ``schedtick`` (which ``execute``
advances for every goroutine it starts *without* inheriting a time slice). A P whose tick
has not moved since sysmon first saw it at least ``forcePreemptNS`` (10 ms) ago gets its
current goroutine preempted (``preemptone``: the goroutine stops at its next safe point and
goes to the global queue). So:

* a goroutine running alone is preempted 10-20 ms after it started: sysmon notices a new
  tick only when it next wakes;
* a chain of goroutines that take the P from ``runnext`` (each inheriting its predecessor's
  slice: a starvation hand-off convoy, or a woken waiter that runs next) is one slice to
  sysmon, and whichever goroutine of the chain is running when the slice runs out is
  preempted, however short its own turn was.

sysmon's sleep (``usleep(delay)``): 20 us for its first rounds, doubling after 50 rounds in
which ``retake`` took no P back from a system call (the model has no system calls, so it
always doubles), capped at 10 ms. ``usleep`` lasts longer than asked: the extra is what the
calibration measured for ``usleep(3)`` beyond its 3 us (``steal_backoff_ns``; on the dev VM
~73 us: the timer slack and the wake-up).
"""

from __future__ import annotations

from collections.abc import Sequence

from lsim.engine.model.core import Proc

FORCE_PREEMPT_NS = 10_000_000  # forcePreemptNS
FIRST_DELAY_US = 20  # "start with 20us sleep..."
IDLE_ROUNDS_BEFORE_DOUBLING = 50  # "start doubling the sleep after 1ms..."
MAX_DELAY_US = 10_000  # "up to 10ms"
USLEEP_ASKED_NS = 3_000  # runqgrab's usleep(3), whose measured length gives the extra


class Sysmon:
    """sysmon's loop state and ``retake``'s per-P memory (``p.sysmontick``)."""

    __slots__ = ("delay_us", "idle", "usleep_extra_ns", "seen_tick", "seen_when", "preempts")

    def __init__(self, nprocs: int, usleep_ns: int = 0) -> None:
        self.delay_us = 0
        self.idle = 0  # rounds in a row in which retake took no P back
        self.usleep_extra_ns = max(0, usleep_ns - USLEEP_ASKED_NS)
        self.seen_tick = [-1] * nprocs  # pd.schedtick
        self.seen_when = [0] * nprocs  # pd.schedwhen
        self.preempts = 0

    def sleep_ns(self) -> int:
        """The head of sysmon's loop: how long this round's ``usleep(delay)`` lasts."""
        if self.idle == 0:
            self.delay_us = FIRST_DELAY_US
        elif self.idle > IDLE_ROUNDS_BEFORE_DOUBLING:
            self.delay_us *= 2
        if self.delay_us > MAX_DELAY_US:
            self.delay_us = MAX_DELAY_US
        return self.delay_us * 1000 + self.usleep_extra_ns

    def retake(self, procs: Sequence[Proc], now: int) -> None:
        """One round: ask the goroutine of every P whose slice ran out to stop (``preempt``,
        honoured at its next work item). ``retake`` returns the Ps it took back from system
        calls, never any here, so the sleep keeps doubling."""
        for p in procs:
            if p.g is None and not p.spinning:  # _Pidle: not looked at
                continue
            i = p.idx
            if self.seen_tick[i] != p.schedtick:
                self.seen_tick[i] = p.schedtick
                self.seen_when[i] = now
            elif self.seen_when[i] + FORCE_PREEMPT_NS <= now and p.g is not None:
                p.g.preempt = True  # preemptone (a spinning M has no goroutine: a no-op)
                self.preempts += 1
        self.idle += 1
