"""sysmon in the model (``runtime/proc.go``: ``sysmon``, ``retake``): its sleep schedule, the
10 ms rule on each P's ``schedtick``, and what it preempts — a goroutine running alone and a
chain of goroutines that inherit one time slice through ``runnext``."""

from __future__ import annotations

from lsim.engine.model.core import CPU, END, EXIT, OP, RUNNABLE, SPAWN, Goroutine, Item, Proc
from lsim.engine.model.sysmon import FORCE_PREEMPT_NS, Sysmon

from .helpers import make_sim

US = 1_000
MS = 1_000_000


def test_sysmon_sleeps_20us_for_51_rounds_then_doubles_up_to_10ms() -> None:
    s = Sysmon(1)
    sleeps = []
    for _ in range(65):
        sleeps.append(s.sleep_ns())
        s.retake([], 0)  # no P taken back from a system call: idle grows
    assert sleeps[:51] == [20 * US] * 51
    assert sleeps[51:60] == [40 * US, 80 * US, 160 * US, 320 * US, 640 * US, 1280 * US,
                             2560 * US, 5120 * US, 10 * MS]  # fmt: skip
    assert set(sleeps[60:]) == {10 * MS}


def test_usleep_lasts_what_the_calibration_measured_for_usleep3_beyond_3us() -> None:
    assert Sysmon(1, usleep_ns=76 * US).sleep_ns() == 20 * US + 73 * US
    assert Sysmon(1, usleep_ns=0).sleep_ns() == 20 * US


def test_retake_preempts_only_a_p_whose_tick_stood_still_for_10ms() -> None:
    busy, moving, idle = Proc(0), Proc(1), Proc(2)
    busy.g, moving.g = Goroutine(0), Goroutine(1)
    s = Sysmon(3)
    s.retake([busy, moving, idle], 0)  # first look: remembers each running P's tick
    moving.schedtick += 1
    s.retake([busy, moving, idle], FORCE_PREEMPT_NS - 1)
    assert not busy.g.preempt and not moving.g.preempt  # 1 ns short; the other one moved
    s.retake([busy, moving, idle], FORCE_PREEMPT_NS)
    assert busy.g.preempt and not moving.g.preempt and s.preempts == 1
    assert s.seen_tick[2] == -1  # an idle P is not looked at


def test_a_runnext_chain_is_one_slice_and_sysmon_ends_it() -> None:
    """At P=1 each goroutine of a chain runs 100 us, readies the next into ``runnext`` (a
    ``go`` statement) and exits, so every one inherits the slice and ``schedtick`` never
    moves. A goroutine waiting in the global queue gets the P when sysmon ends the slice:
    its round at 11.22 ms flags the link then running (11.2-11.3 ms), which stops when its
    work item ends; no link ran anywhere near 10 ms itself."""
    links = 200
    done: dict[int, int] = {}

    def next_items(g: Goroutine) -> list[Item] | None:
        if g.ctx is not None:
            done[g.id] = sim.now
            return None
        g.ctx = True
        if g.id == links:  # the bystander, in the global queue from the start
            return [(OP, 1, -1), (CPU, 1, 0), (END, 0, 0)]
        nxt: list[Item] = [(SPAWN, sim.gs[g.id + 1], 0)] if g.id + 1 < links else []
        return [(CPU, 100 * US, 0), *nxt, (EXIT, 0, 0)]

    sim = make_sim(next_items, n=links + 1, procs=1)
    p = sim.procs[0]
    sim.idle.remove(p)
    bystander = sim.gs[links]
    sim.globq.append(bystander)
    sim.set_state(bystander, RUNNABLE)
    p.schedtick = 1  # past the tick that polls the global queue first
    sim.live = 1
    sim._run_on(p, sim.gs[0])
    sim.run(50 * MS)
    assert done[links] == 11_300 * US + 1
    assert sim.sysmon.preempts == 1
