"""Go's scheduler as the model runs it (``runtime/proc.go``): per-P run queues and ``runnext``,
the global queue every 61 ticks, ``goyield`` after a hand-off, ``wakep`` and its futex cost,
work stealing (half a local queue; a running P's ``runnext`` only after ``usleep(3)``), timers,
and cache-line costs when a lock's ownership moves between Ps."""

from __future__ import annotations

from lsim.engine.model.core import (
    CPU,
    END,
    OP,
    RUNNABLE,
    SLEEP,
    WRITE,
    Goroutine,
    Item,
    decode_key,
)  # fmt: skip
from lsim.engine.model.golock import SimMutex
from lsim.engine.model.sched import GLOBAL_POLL, LOCAL_RUNQ
from lsim.engine.model.script import Script
from lsim.engine.model.sim import Sim
from lsim.engine.model.stats import bucket_value, latency_summary

from .helpers import make_sim

US = 1_000
MS = 1_000_000


def running(sim: Sim, gid: int, p_idx: int) -> Goroutine:
    """Put goroutine ``gid`` on P ``p_idx`` (taken from the idle list), as if scheduled."""
    p = sim.procs[p_idx]
    sim.idle.remove(p)
    g = sim.gs[gid]
    p.schedtick = 1  # as after its first execute
    sim._run_on(p, g)
    return g


def state(sim: Sim, gid: int) -> tuple[int, int, int, int]:
    return decode_key(sim.keys[gid], 2)


def busy(g: Goroutine) -> list[Item]:
    return [(CPU, 10 * MS, 0)]  # a goroutine that keeps its P


def idle_sim(n: int, procs: int, **kw: int) -> Sim:
    return make_sim(busy, n=n, procs=procs, **kw)


def test_ready_goes_to_runnext_and_kicks_the_previous_one_to_the_local_tail() -> None:
    sim = idle_sim(4, 1)
    g0 = running(sim, 0, 0)
    p = sim.procs[0]
    for i in (1, 2, 3):
        sim.ready(sim.gs[i], g0.p)
    assert p.runnext is sim.gs[3]
    assert list(p.runq) == [sim.gs[1], sim.gs[2]]
    assert not sim.globq
    assert state(sim, 1)[0] == RUNNABLE


def test_a_full_local_queue_moves_half_of_itself_to_the_global_queue() -> None:
    sim = idle_sim(LOCAL_RUNQ + 3, 1)
    g0 = running(sim, 0, 0)
    p = sim.procs[0]
    for i in range(1, LOCAL_RUNQ + 3):  # runnext + 256 in the queue, then one more
        sim.ready(sim.gs[i], g0.p)
    # runqputslow: the oldest 128 plus the kicked goroutine went to the global queue
    assert len(sim.globq) == LOCAL_RUNQ // 2 + 1
    assert len(p.runq) == LOCAL_RUNQ // 2
    assert sim.globq[0] is sim.gs[1] and sim.globq[-1] is sim.gs[LOCAL_RUNQ + 1]
    assert sim.sched.overflows == 1


def test_the_global_queue_is_polled_every_61_schedule_ticks() -> None:
    sim = idle_sim(GLOBAL_POLL + 3, 1)
    g0 = running(sim, 0, 0)
    p = sim.procs[0]
    for i in range(1, GLOBAL_POLL + 2):
        sim._runqput(p, sim.gs[i], False)  # a long local queue
    outsider = sim.gs[GLOBAL_POLL + 2]
    sim.globq.append(outsider)
    picked = []
    g = g0
    while outsider not in picked:
        sim.park(g, RUNNABLE, 0, sim.now)  # each one parks: the P schedules the next
        g = p.g  # type: ignore[assignment]
        picked.append(g)
        assert len(picked) <= GLOBAL_POLL
    assert p.schedtick % GLOBAL_POLL == 1  # taken at the tick that is a multiple of 61
    assert sim.sched.global_polls == 1
    assert len(picked) == GLOBAL_POLL  # ticks 1..60 came from the local queue first


def test_goyield_after_a_hand_off_the_waiter_runs_next_the_unlocker_waits_locally() -> None:
    sim = idle_sim(4, 2)
    u = running(sim, 0, 0)
    other = sim.gs[1]
    sim.ready(other, u.p)  # something already in runnext
    head = sim.gs[2]
    p = u.p
    assert p is not None
    sim.handoff(u, head, 1)
    assert p.g is head  # the waiter got the P at once (from runnext)
    assert u.p is None and p.runq[-1] is u  # goyield: the local queue's tail, not global
    assert list(p.runq) == [other, u]
    assert state(sim, 0) == (RUNNABLE, 0, 1, 1)  # runnable inside Unlock
    assert not sim.globq


def test_can_spin_looks_at_this_ps_queues_only() -> None:
    sim = idle_sim(4, 2, spin_ns=700)
    g = running(sim, 0, 0)
    running(sim, 1, 1)
    assert sim.can_spin(g)
    sim.globq.append(sim.gs[3])
    assert sim.can_spin(g)  # the global queue does not stop spinning
    sim.ready(sim.gs[2], g.p)
    assert not sim.can_spin(g)  # our runnext does
    g.spin_iter = 4
    sim.procs[0].runnext = None
    assert not sim.can_spin(g)  # 4 rounds at most (active_spin)


def test_wakep_starts_one_spinning_m_and_charges_the_futex_wake_to_the_caller() -> None:
    sim = idle_sim(4, 3, futex_ns=7 * US, wakep_ns=20 * US)
    g0 = running(sim, 0, 0)
    assert sim.ready(sim.gs[1], g0.p) == 7 * US  # an idle P and no spinning M: wake one
    assert sim.nspinning == 1 and len(sim.idle) == 1
    assert sim.ready(sim.gs[2], g0.p) == 0  # an M is spinning already: nothing to pay
    assert sim.sched.wakeps == 1


def test_an_idle_p_steals_half_of_a_local_queue() -> None:
    sim = idle_sim(6, 2, wakep_ns=10 * US)
    g0 = running(sim, 0, 0)
    p0, p1 = sim.procs
    for i in (1, 2, 3, 4, 5):
        sim.ready(sim.gs[i], g0.p)  # runnext 5, local [1, 2, 3, 4]
    sim.run(10 * US + sim.switch_ns)  # P1's M woke and stole
    assert p1.g is sim.gs[2]  # stole [1, 2] (half, rounded up), runs the last
    assert list(p1.runq) == [sim.gs[1]]
    assert list(p0.runq) == [sim.gs[3], sim.gs[4]]
    assert p0.runnext is sim.gs[5]
    assert sim.sched.steals == 1 and sim.sched.runnext_steals == 0


def test_a_running_ps_runnext_is_stolen_only_after_the_usleep_back_off() -> None:
    sim = idle_sim(3, 2, wakep_ns=10 * US, steal_backoff_ns=80 * US)
    g0 = running(sim, 0, 0)
    p0, p1 = sim.procs
    sim.ready(sim.gs[1], g0.p)
    sim.run(50 * US)  # woke at 10 us, found only p0's runnext: backing off, spinning
    assert p1.g is None and p1.spinning and p0.runnext is sim.gs[1]
    assert sim.nspinning == 1 and sim.sched.backoffs == 1
    sim.run(91 * US)
    assert p1.g is sim.gs[1] and p0.runnext is None
    assert sim.sched.runnext_steals == 1 and sim.nspinning == 0


def test_runnext_is_not_stolen_when_its_p_schedules_first() -> None:
    sim = idle_sim(3, 2, wakep_ns=10 * US, steal_backoff_ns=80 * US)
    g0 = running(sim, 0, 0)
    p0, p1 = sim.procs
    sim.ready(sim.gs[1], g0.p)
    sim.run(50 * US)
    sim.park(g0, RUNNABLE, 0, sim.now)  # g0 blocks: its own P runs its runnext
    assert p0.g is sim.gs[1]
    sim.run(200 * US)
    assert p1.g is None and not p1.spinning and p1 in sim.idle  # found nothing, idle again
    assert sim.sched.runnext_steals == 0


def test_a_timer_that_fires_while_every_p_is_busy_runs_at_its_ps_next_schedule() -> None:
    done: dict[int, int] = {}

    def plan(g: Goroutine) -> list[Item] | None:
        if g.ctx is None:
            g.ctx = True
            if g.id == 0:
                return [(OP, 1, -1), (SLEEP, 100 * US, 0), (CPU, 1, 0), (END, 0, 0)]
            return [(OP, 1, -1), (CPU, 50 * US, 0), (CPU, 200 * US, 0), (END, 0, 0)]
        done[g.id] = sim.now
        return None

    sim = make_sim(plan, n=2, procs=1)
    sim.at(0, sim.gs[0])
    sim.at(1, sim.gs[1])
    sim.run(MS)
    # g0 slept on P0 at 0; its timer fired at 100 us while g1 ran: it waited for g1 to end
    assert done[1] == 1 + 250 * US
    assert done[0] == done[1] + 1


def test_an_acquisition_on_another_p_stalls_for_the_lines_the_last_owner_wrote() -> None:
    m = SimMutex("m", 1)
    done: dict[int, int] = {}
    scripts = []
    for writes in (0, 2):
        s = Script()
        s.lock(m)
        s.cpu(100)
        s.unlock(m, WRITE, writes)
        s.cpu(10 * US)  # then keeps its P busy
        scripts.append(s.items)

    def plan(g: Goroutine) -> list[Item] | None:
        if g.ctx is None:
            g.ctx = True
            return [(OP, 1, -1), *scripts[g.id], (END, 0, 0)]
        done[g.id] = sim.now
        return None

    sim = make_sim(plan, n=3, procs=2, line_ns=50)
    sim.at(0, sim.gs[1])  # P0: writes 2 lines under the lock, unlocks at 100
    sim.at(1_000, sim.gs[0])  # P1: the lock word and 2 lines come from P0's cache
    sim.run(MS)
    assert done[1] == 100 + 10 * US
    assert done[0] == 1_000 + 3 * 50 + 100 + 10 * US
    assert m.moves == 1


def test_scheduling_latency_is_each_runnable_wait_until_the_goroutine_runs() -> None:
    """Three goroutines that never block share one P by sysmon's preemption: the first
    slice ends at 12 ms (sysmon's round at 11.22 ms, then the end of the 1 ms item), the
    later ones last 20 ms (sysmon, by then waking every 10 ms, sees each new slice 9.2 ms
    after it began and ends it on its next round); each goroutine waits two slices in the
    global queue before it runs again, and those waits are what the latency histogram holds
    (Go's /sched/latencies)."""
    sim = make_sim(lambda g: [(CPU, MS, 0)], n=3, procs=1)
    for i in range(3):
        sim.globq.append(sim.gs[i])
        sim.set_state(sim.gs[i], RUNNABLE)
    sim._schedule(sim.procs[0])
    sim.run(200 * MS)
    waits = sorted(bucket_value(b) for b, n in sim.latency.items() for _ in range(n))

    # (the histogram's buckets are ~4% wide)
    def near(w: float, want: int) -> bool:
        return abs(w - want) < 0.05 * want

    assert waits[0] == 0 and near(waits[1], 12 * MS) and near(waits[2], 32 * MS), waits
    assert len(waits) >= 8
    assert all(near(w, 40 * MS) for w in waits[3:]), waits
    summary = latency_summary(sim.latency)
    assert summary["count"] == len(waits)
    assert summary["over_1ms_share"] == (len(waits) - 1) / len(waits)
    assert summary["p50_s"] == summary["p99_s"] == waits[len(waits) // 2] / 1e9
