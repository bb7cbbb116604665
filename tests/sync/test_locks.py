"""The real-thread Mutex and RWMutex: Go semantics, statistics and published states."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from lsim.sync import GoState, Mutex, RWMutex, bind_slot
from lsim.sync.rules import AGAIN, OWNER
from lsim.sync.states import NULL_SLOT, Waiter


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll an observable condition (a queue length, a flag) with a deadline."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.0005)


@pytest.fixture
def slow_switching() -> Iterator[None]:
    """Make GIL hand-overs rare so a thread's unlock+lock pair is not interrupted."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    yield
    sys.setswitchinterval(old)


class RecordingSlot:
    def __init__(self) -> None:
        self.op = 7
        self.states: list[tuple[int, int]] = []

    def set_state(self, state: int, lock_id: int = 0) -> None:
        self.states.append((state, lock_id))


@pytest.mark.timeout(60)
def test_mutual_exclusion_and_stats_add_up() -> None:
    m = Mutex("t.mut")
    inside = 0
    overlaps = 0
    counter = 0
    start = threading.Barrier(16)

    def work() -> None:
        nonlocal inside, overlaps, counter
        start.wait()
        for _ in range(2000):
            with m:
                inside += 1
                if inside != 1:
                    overlaps += 1
                counter += 1
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = m.snapshot()
    assert overlaps == 0
    assert counter == 32_000
    assert snap["acquisitions"] == 32_000
    assert snap["contended"] <= snap["acquisitions"]
    assert sum(snap["wait_histogram"]) == snap["contended"]
    assert snap["wait_total_ns"] >= snap["wait_max_ns"] >= 0
    assert not m.locked() and m.waiters() == 0


@pytest.mark.timeout(60)
def test_starvation_mode_engages_after_1ms_and_hands_off_fifo(slow_switching: None) -> None:
    m = Mutex("t.starve")
    order: list[str] = []

    def waiter(name: str) -> None:
        m.lock()
        order.append(name)
        m.unlock()

    m.lock()
    threads = []
    for i, name in enumerate("BCD"):
        t = threading.Thread(target=waiter, args=(name,))
        t.start()
        threads.append(t)
        wait_until(lambda n=i + 1: m.waiters() == n)
    time.sleep(0.003)  # the queued waiters now have waited > 1 ms (the rule under test)
    m.unlock()  # normal mode: wakes B ...
    m.lock()  # ... and we barge in before B runs
    wait_until(lambda: m._rules.starving)  # B lost after > 1 ms: starvation mode
    assert m.waiters() == 3
    m.unlock()  # hand-off to B, then B to C, C to D
    for t in threads:
        t.join()
    snap = m.snapshot()
    assert order == ["B", "C", "D"]
    assert snap["starvation_entries"] >= 1
    assert snap["handoffs"] >= 3
    assert not m._rules.starving and not m.locked()


@pytest.mark.timeout(60)
def test_waiting_writer_blocks_new_readers() -> None:
    rw = RWMutex("t.rw")
    order: list[str] = []
    reader_in = threading.Event()

    def writer() -> None:
        rw.lock()
        order.append("W")
        rw.unlock()

    def late_reader() -> None:
        rw.rlock()
        reader_in.set()
        order.append("R2")
        rw.runlock()

    rw.rlock()  # R1 inside
    w = threading.Thread(target=writer)
    w.start()
    wait_until(lambda: rw._rules.writer_announced)
    r2 = threading.Thread(target=late_reader)
    r2.start()
    wait_until(lambda: len(rw._rules.reader_queue) == 1)
    assert not reader_in.is_set()  # writer preference: R2 waits although only readers hold it
    rw.runlock()  # last reader out: the writer goes, then the reader queued during the write
    w.join()
    r2.join()
    assert order == ["W", "R2"]
    snap = rw.snapshot()
    assert snap["acquisitions"] == 1 and snap["contended"] == 1
    assert snap["read"]["acquisitions"] == 2 and snap["read"]["contended"] == 1


@pytest.mark.timeout(60)
def test_contended_waiter_publishes_its_state_then_runnable_then_running() -> None:
    m = Mutex("t.states")
    slot = RecordingSlot()
    done = threading.Event()

    def waiter() -> None:
        bind_slot(slot)
        m.lock()
        m.unlock()
        bind_slot(NULL_SLOT)
        done.set()

    m.lock()
    t = threading.Thread(target=waiter)
    t.start()
    wait_until(lambda: m.waiters() == 1)
    assert slot.states == [(GoState.MUTEX_LOCK, m.lock_id)]
    m.unlock()
    t.join()
    assert done.is_set()
    states = [s for s, _ in slot.states]
    assert states[:3] == [GoState.MUTEX_LOCK, GoState.RUNNABLE, GoState.RUNNING]
    snap = m.snapshot()
    assert snap["wait_by_op"] == {"7": [1, snap["wait_total_ns"]]}


def test_uncontended_path_publishes_nothing() -> None:
    m = Mutex("t.quiet")
    slot = RecordingSlot()
    bind_slot(slot)
    try:
        for _ in range(10):
            with m:
                pass
    finally:
        bind_slot(NULL_SLOT)
    assert slot.states == []
    assert m.snapshot()["acquisitions"] == 10


def test_try_lock_and_misuse() -> None:
    m = Mutex("t.try")
    assert m.try_lock()
    assert not m.try_lock()
    m.unlock()
    with pytest.raises(RuntimeError, match="unlock of unlocked mutex"):
        m.unlock()
    rw = RWMutex("t.rwtry")
    assert rw.try_rlock()
    assert not rw.try_lock()
    rw.runlock()
    assert rw.try_lock()
    assert not rw.try_rlock()
    rw.unlock()
    with pytest.raises(RuntimeError):
        rw.runlock()


@pytest.mark.timeout(60)
def test_rwmutex_readers_share_and_writers_exclude() -> None:
    rw = RWMutex("t.share")
    readers_inside = 0
    max_readers = 0
    writer_overlap = 0
    guard = threading.Lock()
    start = threading.Barrier(12)

    def reader() -> None:
        nonlocal readers_inside, max_readers
        start.wait()
        for _ in range(300):
            with rw.reader():
                with guard:
                    readers_inside += 1
                    max_readers = max(max_readers, readers_inside)
                time.sleep(0)  # let another reader in while this one holds the read side
                with guard:
                    readers_inside -= 1

    def writer() -> None:
        nonlocal writer_overlap
        start.wait()
        for _ in range(100):
            with rw, guard:
                if readers_inside:
                    writer_overlap += 1

    threads = [threading.Thread(target=reader) for _ in range(10)]
    threads += [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert writer_overlap == 0
    assert max_readers >= 2
    snap = rw.snapshot()
    assert snap["acquisitions"] == 200
    assert snap["read"]["acquisitions"] == 3000


def test_an_unlock_leaves_a_count_for_a_readied_waiter_whose_count_a_newcomer_took() -> None:
    """The interleaving behind CI's one-in-a-thousand hang, replayed step by step.

    H is readied by an Unlock; before H runs, newcomer N finds the mutex locked, takes H's
    semaphore count in ``semacquire`` and, going round ``lockSlow``, wins the mutex after
    the owner's lock-free release. H is then counted in the state word but queued nowhere;
    N's Unlock must still take the slow path and release a count (Go's ``semrelease`` adds
    one even with nobody queued), or H queues again with nobody left to wake it."""
    m = Mutex("t.readied")
    h, n = Waiter(NULL_SLOT), Waiter(NULL_SLOT)  # parking places only: no thread parks
    m.lock()
    with m._guard:
        assert not m._rules.lock(h, 0)  # H queued
    m.unlock()  # H readied, not yet running
    m.lock()  # the owner barges back in
    with m._guard:
        assert m._rules.cas(n, 1, False) == AGAIN  # N takes the count H was readied for
    m.unlock()  # the owner leaves
    with m._guard:
        assert m._rules.cas(n, 2, True) == OWNER  # N goes round and takes the free mutex
    m.unlock()  # N leaves: H is counted, not queued
    with m._guard:
        assert m._rules.retry(h, 3), "H found no count: it would park with nobody to wake it"
    m.unlock()
    assert not m.locked() and m._rules.waiters == 0 and not m._rules.queue
