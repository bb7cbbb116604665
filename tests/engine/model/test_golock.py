"""Go's lock rules as the model drives them: barging, spinning, starvation hand-off, RWMutex
writer preference, and the scheduler behaviour they rely on (preemption)."""

from __future__ import annotations

from lsim.engine.model.core import (
    CPU,
    END,
    LOCK,
    MUTEX_LOCK,
    OP,
    READ,
    RUNNABLE,
    RUNNING,
    RWMUTEX_LOCK,
    RWMUTEX_RLOCK,
    SLEEP,
    UNLOCK,
    WRITE,
    Goroutine,
    Item,
    decode_key,
)  # fmt: skip
from lsim.engine.model.golock import SimMutex
from lsim.engine.model.gorwmutex import SimRWMutex
from lsim.engine.model.script import Script
from lsim.engine.model.sim import Sim

from .helpers import make_sim

US = 1_000
MS = 1_000_000


class Scripted:
    """Goroutine i runs ``scripts[i]`` once, starting at ``starts[i]``; finish times kept."""

    def __init__(self, scripts: list[list[Item]], starts: list[int], procs: int, **kw: int):
        self.scripts = scripts
        self.done: dict[int, int] = {}
        self.sim: Sim = make_sim(self.next_items, n=len(scripts), procs=procs, **kw)
        for g, t in zip(self.sim.gs, starts, strict=True):
            self.sim.at(t, g)

    def next_items(self, g: Goroutine) -> list[Item] | None:
        if g.ctx is None:
            g.ctx = True
            return [(OP, 1, -1), *self.scripts[g.id], (END, 0, 0)]
        self.done[g.id] = self.sim.now
        return None

    def state(self, gid: int) -> tuple[int, int, int, int]:
        return decode_key(self.sim.keys[gid], 2)


def held(lk: SimMutex | SimRWMutex, ns: int, mode: int = WRITE, before: int = 0) -> list[Item]:
    s = Script()
    s.cpu(before)
    s.section(lk, mode, ns)
    return s.items


def test_uncontended_lock_costs_nothing_extra() -> None:
    m = SimMutex("m", 1)
    run = Scripted([held(m, 300)], [0], procs=2, switch_ns=100)
    run.sim.run(MS)
    assert run.done == {0: 400}
    assert (m.stats.acquisitions, m.stats.contended, m.busy_ns) == (1, 0, 300)


def test_newcomer_barges_past_the_woken_waiter() -> None:
    m = SimMutex("m", 1)
    holder = [*held(m, 2 * MS), (CPU, 50 * US, 0)]  # keeps its P busy after unlocking
    waiter = held(m, 10 * US)
    barger = held(m, 100 * US, before=2 * MS + 1 * US)
    run = Scripted([holder, waiter, barger], [0, 100 * US, 0], procs=4, switch_ns=200,
                   wakep_ns=5 * US)  # fmt: skip
    run.sim.run(2 * MS + 2 * US)
    assert run.state(1)[0] == RUNNABLE  # woken, waiting for a P: not blocked
    run.sim.run(2 * MS + 50 * US)
    # the woken waiter lost to the newcomer after waiting > 1 ms: starvation mode
    assert run.state(1)[0] == MUTEX_LOCK
    assert m.rules.starving and m.rules.starvation_entries == 1
    run.sim.run(2 * MS + 102 * US)  # barger: 200 ns switch + 2.001 ms + 100 us held
    # the barger's unlock handed the mutex over and yielded: runnable inside Unlock
    state, op, lid, in_unlock = run.state(2)
    assert (state, op, lid, in_unlock) == (RUNNABLE, 1, 1, 1)
    assert m.rules.handoffs == 1
    run.sim.run(10 * MS)
    assert run.done[2] < run.done[1]
    assert m.stats.contended == 1 and m.stats.wait_by_op[1][0] == 1


def test_spinner_reads_the_state_only_between_rounds() -> None:
    """An Unlock in the middle of a spin round goes unnoticed until the round ends; the
    spinner's CAS then takes the free mutex without ever queueing."""
    m = SimMutex("m", 1)
    run = Scripted([held(m, 300), held(m, 100, before=100)], [0, 0], procs=2, spin_ns=700)
    run.sim.run(MS)
    assert m.stats.contended == 0  # never queued
    assert run.done[1] == 100 + 700 + 100  # unlocked at 300, noticed at the round's end (800)


def relocker(m: SimMutex, hold: int, gap: int, times: int) -> list[Item]:
    """Holds ``m`` for ``hold``, works ``gap`` outside it, and locks it again, ``times``."""
    s = Script()
    for i in range(times):
        if i:
            s.cpu(gap)
        s.section(m, WRITE, hold)
    return s.items


def test_a_returning_unlocker_beats_the_spinner_which_queues_after_4_rounds() -> None:
    m = SimMutex("m", 1)
    # g0 unlocks at 1000, 2050, 3100, ... and is back 50 ns later, between the spinner's reads
    # (800, 1500, 2200, 2900): every read finds the mutex locked.
    run = Scripted([relocker(m, 1000, 50, 6), held(m, 10, before=100)], [0, 0], procs=2,
                   spin_ns=700)  # fmt: skip
    run.sim.run(2900 - 1)
    assert run.state(1)[0] == RUNNING and not m.rules.queue  # still spinning (round 4)
    run.sim.run(2900)
    assert run.state(1)[0] == MUTEX_LOCK  # 4 rounds done: it queued and parked
    assert list(m.rules.queue) == [run.sim.gs[1]]
    assert m.stats.acquisitions == 3  # g0 re-acquired at 1050 and 2100, each time first


def test_a_slow_unlocker_loses_to_the_spinner() -> None:
    m = SimMutex("m", 1)
    # g0's gap is 600 ns: unlocked 1000..1600, and the spinner reads at 1500
    run = Scripted([relocker(m, 1000, 600, 2), held(m, 10, before=100)], [0, 0], procs=2,
                   spin_ns=700)  # fmt: skip
    run.sim.run(10 * MS)
    assert run.done[1] == 1500 + 10
    assert m.stats.contended == 0  # g0 comes back at 1600 to a free mutex
    assert run.done[0] == 1600 + 1000


def test_a_spinner_sets_mutex_woken_so_unlock_wakes_nobody_and_clears_it() -> None:
    m = SimMutex("m", 1)
    holder = [*held(m, 4000), (CPU, 10 * US, 0)]  # keeps its P busy after unlocking
    queued = held(m, 10, before=10)  # spins 10..2810, then queues
    spinner = held(m, 100, before=3000)  # spins from 3000: the queue is not empty
    run = Scripted([holder, queued, spinner], [0, 0, 0], procs=3, spin_ns=700)
    run.sim.run(3001)
    assert run.state(1)[0] == MUTEX_LOCK
    assert m.rules.woken and run.sim.gs[2].set_woken  # "inform Unlock to not wake others"
    run.sim.run(4100)  # g0 unlocked at 4000: nobody woken, g1 still queued
    assert run.state(1)[0] == MUTEX_LOCK and m.rules.queue
    run.sim.run(4401)  # the spinner's read at 4400 finds it free: its CAS clears the bit
    assert not m.rules.woken and not run.sim.gs[2].set_woken
    run.sim.run(4500 + 1)  # its unlock at 4500 wakes g1 now
    assert run.state(1)[0] in (RUNNABLE, RUNNING)
    run.sim.run(MS)
    assert run.done[2] == 4500 and run.done[1] > 4500


def test_woken_waiter_spins_again_before_competing() -> None:
    """After a normal-mode wake-up (awoke, iter = 0) the waiter spins when it may; a loss
    after more than 1 ms of waiting starts starvation mode."""
    m = SimMutex("m", 1)
    run = Scripted([relocker(m, 2 * MS, 50, 2), held(m, 10, before=100)], [0, 0], procs=2,
                   spin_ns=700, wakep_ns=5 * US, steal_backoff_ns=80 * US)  # fmt: skip
    run.sim.run(2 * MS + 1)
    # g1 queued at 2900; g0's unlock at 2 ms woke it into g0's runnext, where it sits while
    # g0 runs (it re-locked at once): runnable, not blocked, until the idle P steals it after
    # its back-off; it spins 4 rounds, loses, and it has waited > 1 ms
    assert run.state(1)[0] == RUNNABLE
    assert not m.rules.starving
    run.sim.run(10 * MS)
    assert m.rules.starvation_entries == 1  # it lost again after > 1 ms: starvation
    assert m.rules.handoffs == 1  # g0's next unlock handed the mutex to it


def test_no_spinning_on_one_p_or_when_every_other_p_is_idle() -> None:
    g = Goroutine(0)
    for procs, busy_others in ((1, 0), (2, 0), (2, 1)):
        sim = make_sim(lambda g: None, n=1, procs=procs, spin_ns=120)
        p = sim.idle.pop()  # g's own P
        g.p = p
        for _ in range(busy_others):
            sim.idle.pop()
        assert sim.can_spin(g) is (busy_others > 0)


def test_rwmutex_writer_preference() -> None:
    rw = SimRWMutex("rw", 1)
    reader1 = held(rw, 1000, READ)
    writer = held(rw, 500, WRITE)
    reader2 = held(rw, 10, READ)
    run = Scripted([reader1, writer, reader2], [0, 100, 200], procs=4)
    run.sim.run(300)
    assert run.state(1)[0] == RWMUTEX_LOCK  # announced, waiting for reader1
    assert run.state(2)[0] == RWMUTEX_RLOCK  # a pending writer holds new readers back
    run.sim.run(MS)
    assert run.done[0] < run.done[1] < run.done[2]
    assert run.done[2] == 1510
    assert rw.stats.contended == 1 and rw.read_stats.contended == 1


def test_writers_queue_on_the_inner_mutex() -> None:
    rw = SimRWMutex("rw", 1)
    run = Scripted([held(rw, 1000), held(rw, 10)], [0, 100], procs=4)
    run.sim.run(200)
    assert run.state(1)[:3] == (MUTEX_LOCK, 1, 1)  # Go shows sync.Mutex.Lock for it
    run.sim.run(MS)
    assert run.done[1] == 1010


def test_goroutine_is_preempted_after_its_time_slice() -> None:
    """sysmon first sees the hog's P at its first round (20 us) and preempts it at the first
    round at least 10 ms later (11.22 ms: 51 rounds of 20 us, then 40, 80, ... 5,120 us); the
    hog stops when its current 1 ms item ends, at 12 ms."""
    hog: list[Item] = [(CPU, MS, 0)] * 30
    run = Scripted([hog, [(CPU, 1, 0)]], [0, MS], procs=1)
    run.sim.run(100 * MS)
    assert run.done[1] == 12 * MS + 1
    assert run.done[0] == 30 * MS + 1


def test_sleep_does_not_hold_a_p() -> None:
    m = SimMutex("m", 1)
    run = Scripted([[(SLEEP, MS, 0), *held(m, 10)], held(m, 10, before=10)], [0, 0], procs=1)
    run.sim.run(10 * MS)
    assert run.done[1] == 20
    assert run.done[0] == MS + 10
    assert (LOCK, UNLOCK) == (1, 2)


def test_a_failed_cas_reads_the_state_once_the_owners_line_has_come() -> None:
    """The fast path's failed CAS first fetches the lock word's line from the owner's P
    (``line_ns``): lockSlow reads the state only then. An owner that unlocks meanwhile is
    not waited for: the CAS takes the free mutex without queueing."""
    m = SimMutex("m", 1)
    # g0 (P0) holds it 0..300; g1 (P1) tries at 280, its lockSlow reads at 280 + 50 = 330
    run = Scripted([held(m, 300), held(m, 10, before=280)], [0, 0], procs=2, line_ns=50)
    run.sim.run(MS)
    assert m.stats.contended == 0 and m.rules.waiters == 0  # never counted, never queued
    assert run.done[1] == 330 + 50 + 10  # then the lock word's line comes back with the lock
    # the same try 100 ns earlier: the state still reads locked at 230, so it queues
    m2 = SimMutex("m", 1)
    run2 = Scripted([held(m2, 300), held(m2, 10, before=180)], [0, 0], procs=2, line_ns=50)
    run2.sim.run(229)
    assert run2.state(1)[0] == RUNNING and not m2.rules.queue  # its line is on its way
    run2.sim.run(230)
    assert run2.state(1)[0] == MUTEX_LOCK and m2.rules.waiters == 1


def test_the_semaphore_root_line_moves_between_ps_with_parks_and_wakes() -> None:
    """semacquire's slow path and semrelease touch the semaphore's ``semaRoot`` (its lock,
    ``nwait``, the waiter treap): a wake or a park on another P than the root's last user
    waits for that line (``line_ns``) as for the lock word's."""
    m = SimMutex("m", 1)
    holder = [*held(m, 1000), (CPU, 10 * US, 0)]
    run = Scripted([holder, held(m, 10, before=100)], [0, 0], procs=2, line_ns=50)
    run.sim.run(999)
    assert run.state(1)[0] == MUTEX_LOCK and m.root_p == 1  # g1 parked on P1: its line
    run.sim.run(1000)
    assert m.root_p == 0  # the unlock on P0 fetched it to dequeue g1 ...
    # g1, readied, is runnable inside Lock until it runs (as Go's dump shows it)
    assert run.state(1) == (RUNNABLE, 1, 1, 0)
    run.sim.run(MS)
    assert run.done[0] == 1000 + 50 + 10 * US  # ... and carried on once the line had come
