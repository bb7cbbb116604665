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
    RWMUTEX_LOCK,
    RWMUTEX_RLOCK,
    SLEEP,
    UNLOCK,
    WRITE,
    Goroutine,
    Item,
    decode_key,
)  # fmt: skip
from lsim.engine.model.golock import SimMutex, SimRWMutex
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


def test_spinner_takes_the_mutex_without_parking() -> None:
    m = SimMutex("m", 1)
    run = Scripted([held(m, 300), held(m, 100, before=100)], [0, 0], procs=4, spin_ns=120)
    run.sim.run(MS)
    assert m.stats.contended == 0  # never queued
    assert run.done[1] == 400


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
    hog: list[Item] = [(CPU, MS, 0)] * 30
    run = Scripted([hog, [(CPU, 1, 0)]], [0, MS], procs=1)
    run.sim.run(100 * MS)
    assert 10 * MS <= run.done[1] <= 11 * MS + 1
    assert run.done[0] == 30 * MS + 1


def test_sleep_does_not_hold_a_p() -> None:
    m = SimMutex("m", 1)
    run = Scripted([[(SLEEP, MS, 0), *held(m, 10)], held(m, 10, before=10)], [0, 0], procs=1)
    run.sim.run(10 * MS)
    assert run.done[1] == 20
    assert run.done[0] == MS + 10
    assert (LOCK, UNLOCK) == (1, 2)
