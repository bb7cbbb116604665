"""Go's lock rules, checked deterministically on the pure state machines (no threads)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsim.sync.rules import (
    AGAIN,
    OWNER,
    PARKED,
    STARVATION_THRESHOLD_NS,
    Action,
    MutexRules,
    RWRules,
)

MS = 1_000_000


class G:
    """A stand-in goroutine: the rules only need ``since_ns``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.since_ns = 0

    def __repr__(self) -> str:
        return self.name


def test_uncontended_lock_and_unlock() -> None:
    m: MutexRules[G] = MutexRules()
    assert m.lock(G("a"), 0)
    assert m.locked
    assert m.unlock(10) == (Action.NONE, None)
    assert not m.locked


def test_unlock_of_unlocked_mutex_is_an_error() -> None:
    m: MutexRules[G] = MutexRules()
    with pytest.raises(RuntimeError, match="unlock of unlocked"):
        m.unlock(0)


def test_normal_mode_newcomer_barges_past_woken_waiter() -> None:
    m: MutexRules[G] = MutexRules()
    a, b, c = G("a"), G("b"), G("c")
    assert m.lock(a, 0)
    assert not m.lock(b, 10)  # b queues
    action, woken = m.unlock(20)
    assert (action, woken) == (Action.WAKE, b)
    assert not m.locked  # normal mode: released, b must compete
    assert m.lock(c, 30)  # c barges in before b runs
    assert not m.retry(b, 40)  # b lost: re-queued at the FRONT
    assert m.queue[0] is b
    assert not m.starving  # b waited only 30 ns


def test_lost_retry_requeues_at_front_before_newer_waiters() -> None:
    m: MutexRules[G] = MutexRules()
    a, b, c, d = G("a"), G("b"), G("c"), G("d")
    m.lock(a, 0)
    m.lock(b, 1)
    _, woken = m.unlock(2)
    assert woken is b
    m.lock(c, 3)  # barger owns it
    assert not m.retry(b, 4)  # b takes its count, loses the CAS: front
    m.lock(d, 5)  # d finds no count left and queues at the tail
    assert list(m.queue) == [b, d]


def test_newcomer_takes_the_readied_heads_count_and_the_head_parks_again() -> None:
    """runtime/sema.go: the count is the semaphore's, not the readied head's. A newcomer's
    semacquire takes it first (AGAIN: round lockSlow again, woken) and, losing, queues at
    the front; the head, finding no count when it runs, parks again where it first queued."""
    m: MutexRules[G] = MutexRules()
    a, b, c, d = G("a"), G("b"), G("c"), G("d")
    m.lock(a, 0)
    m.lock(b, 1)
    assert m.unlock(2) == (Action.WAKE, b) and m.sema == 1
    m.lock(c, 3)  # barger owns it
    assert m.cas(d, 4, False) == AGAIN  # d's semacquire takes b's count without parking
    assert m.steals == 1 and m.sema == 0 and m.woken  # mutexWoken is still set...
    assert m.cas(d, 5, True) == PARKED  # ... until d's CAS as a woken goroutine clears it
    assert not m.woken and list(m.queue) == [d]  # d had waited: queued at the front
    assert not m.woken_takes(b)  # b runs: no count, parked again at the tail (its FIFO call)
    assert list(m.queue) == [d, b]
    assert m.waiters == 2  # the state word counted d twice and b's wake took one off


def test_unlock_wakes_by_the_waiter_count_and_a_count_nobody_waits_for_stays() -> None:
    """sync/mutex.go's Unlock tests the state word's waiter count, not the semaphore's
    queue: with every counted waiter readied (none parked), semrelease leaves the count
    (nwait == 0) for whoever calls semacquire next; a spinner may still set mutexWoken."""
    m: MutexRules[G] = MutexRules()
    a, b, c, d = G("a"), G("b"), G("c"), G("d")
    m.lock(a, 0)
    m.lock(b, 1)
    assert m.unlock(2) == (Action.WAKE, b)  # b readied, not yet run
    m.lock(c, 3)
    assert m.cas(d, 4, False) == AGAIN  # d takes b's count
    assert m.unlock(5) == (Action.NONE, None)  # mutexWoken still set: nobody woken
    assert m.cas(d, 6, True) == OWNER  # d's woken CAS takes the free mutex; its +1 stays
    assert (m.waiters, len(m.queue), m.woken) == (1, 0, False)
    assert m.try_set_woken()  # a spinner sees a waiter in the state word
    m.clear_woken()
    assert m.unlock(7) == (Action.NONE, None)  # waiter count 1, nobody parked:
    assert (m.waiters, m.sema, m.woken) == (0, 1, True)  # ... the count stays
    assert m.woken_takes(b)  # the readied head finds it when it runs
    assert m.cas(b, 8, True) == OWNER and not m.woken


def test_starvation_ends_by_the_waiter_count_not_the_queue() -> None:
    """The waiter handed the mutex ends starvation mode when it was the last *counted*
    waiter (``old>>mutexWaiterShift == 1``): a readied head still counted keeps it on."""
    m: MutexRules[G] = MutexRules()
    o, p, x, n1, n2 = G("o"), G("p"), G("x"), G("n1"), G("n2")
    m.lock(o, 0)
    m.lock(p, 0)
    assert m.unlock(1) == (Action.WAKE, p)  # p readied; it will not run in this test
    m.lock(n1, 2)
    assert m.cas(x, 3, False) == AGAIN  # x takes p's count
    assert m.cas(x, 3, True) == PARKED  # and queues at the front
    assert m.unlock(2 * MS) == (Action.WAKE, x)
    m.lock(n2, 2 * MS)
    assert m.retry(x, 2 * MS + 10) is False  # waited ~2 ms and lost: starvation mode
    assert m.starving and list(m.queue) == [x] and m.waiters == 2
    assert m.unlock(3 * MS) == (Action.HANDOFF, x)
    assert m.starving and m.waiters == 1  # p is still counted: not the last waiter
    assert m.unlock(4 * MS) == (Action.NONE, None)  # nobody parked to hand to
    assert not m.starving and not m.locked


def test_starvation_mode_starts_after_1ms_and_hands_off_fifo() -> None:
    m: MutexRules[G] = MutexRules()
    owner, b, c, d, late = G("owner"), G("b"), G("c"), G("d"), G("late")
    m.lock(owner, 0)
    for i, g in enumerate((b, c, d)):
        assert not m.lock(g, i + 1)
    _, woken = m.unlock(2 * MS)
    assert woken is b
    barger = G("barger")
    assert m.lock(barger, 2 * MS + 1)
    # b has waited > 1 ms and lost again: starvation mode, b at the front
    assert not m.retry(b, 2 * MS + 2)
    assert m.starving and m.starvation_entries == 1
    # newcomers no longer barge, they queue at the tail
    assert not m.lock(late, 2 * MS + 3)
    assert list(m.queue) == [b, c, d, late]
    # unlock hands the mutex straight to the head, in FIFO order; it stays locked
    handed = []
    now = 3 * MS
    for _ in range(4):
        action, head = m.unlock(now)
        assert action is Action.HANDOFF and m.locked
        handed.append(head)
        now += 10
    assert handed == [b, c, d, late]
    assert not m.starving  # the last waiter left starvation mode


def test_starvation_ends_when_granted_waiter_waited_less_than_1ms() -> None:
    m: MutexRules[G] = MutexRules()
    owner, a, b, fresh = G("o"), G("a"), G("b"), G("fresh")
    m.lock(owner, 0)
    m.lock(a, 0)
    _, woken = m.unlock(2 * MS)
    m.lock(G("barger"), 2 * MS)
    m.retry(a, 2 * MS)
    assert m.starving
    m.lock(b, 2 * MS)
    action, head = m.unlock(3 * MS)  # a waited 3 ms: stays starving
    assert head is a and m.starving
    m.lock(fresh, 3 * MS + 100)
    action, head = m.unlock(3 * MS + 200)  # b waited 1 ms + 200 ns: starving continues
    assert head is b and m.starving
    action, head = m.unlock(3 * MS + 300)  # fresh waited 200 ns: back to normal mode
    assert head is fresh and action is Action.HANDOFF
    assert not m.starving


def test_only_one_woken_waiter_at_a_time() -> None:
    m: MutexRules[G] = MutexRules()
    a, b, c = G("a"), G("b"), G("c")
    m.lock(a, 0)
    m.lock(b, 1)
    m.lock(c, 2)
    assert m.unlock(3)[1] is b
    assert m.lock(a, 4)  # barger
    assert m.unlock(5) == (Action.NONE, None)  # b is still on its way: don't wake c
    assert m.retry(b, 6)  # b now owns it
    assert m.unlock(7)[1] is c


def test_spinnable_only_while_locked_and_not_starving() -> None:
    m: MutexRules[G] = MutexRules()
    assert not m.spinnable()  # unlocked: the spinner's CAS takes it instead
    m.lock(G("o"), 0)
    assert m.spinnable()
    a = G("a")
    m.lock(a, 0)
    m.unlock(2 * MS)
    m.lock(G("barger"), 2 * MS)
    m.retry(a, 2 * MS)  # waited > 1 ms: starvation mode
    assert m.starving and not m.spinnable()  # Go: no spinning on a starving mutex


def test_spinner_sets_woken_only_with_waiters_and_unlock_then_wakes_nobody() -> None:
    m: MutexRules[G] = MutexRules()
    a, b = G("a"), G("b")
    m.lock(a, 0)
    assert not m.try_set_woken()  # nobody queued: nothing to hold back
    m.lock(b, 1)
    assert m.try_set_woken()  # Go: !awoke && old&mutexWoken == 0 && waiters != 0
    assert not m.try_set_woken()  # already set (by us or a woken waiter)
    assert m.unlock(2) == (Action.NONE, None)  # the spinner will take it: b stays queued
    assert list(m.queue) == [b]
    assert m.lock(G("spinner"), 3)  # the spinner's CAS after its round
    m.clear_woken()  # ... clears mutexWoken in the same CAS
    assert m.unlock(4) == (Action.WAKE, b)  # the next unlock wakes the queue again


def test_try_lock_fails_in_starvation_mode() -> None:
    m: MutexRules[G] = MutexRules()
    m.lock(G("o"), 0)
    a = G("a")
    m.lock(a, 0)
    m.unlock(2 * MS)
    m.lock(G("barger"), 2 * MS)
    m.retry(a, 2 * MS)
    m.unlock(2 * MS + 1)  # hands off to a; a waited long, queue empty -> normal again
    assert not m.try_lock()  # a owns it


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("lur"), st.integers(0, 3 * MS)), max_size=60))
def test_mutex_invariants_under_random_schedules(script: list[tuple[str, int]]) -> None:
    """Owners never overlap; every waiter is granted exactly once; starvation implies locked."""
    m: MutexRules[G] = MutexRules()
    now = 0
    owner: G | None = None
    woken: list[G] = []
    granted: list[G] = []
    made = 0
    for kind, dt in script:
        now += dt
        if kind == "l":
            g = G(f"g{made}")
            made += 1
            if m.lock(g, now):
                assert owner is None
                owner = g
                granted.append(g)
        elif kind == "u" and owner is not None:
            owner = None
            action, head = m.unlock(now)
            if action is Action.HANDOFF:
                assert head is not None
                owner = head
                granted.append(head)
            elif action is Action.WAKE:
                assert head is not None
                woken.append(head)
        elif kind == "r" and woken:
            g = woken.pop(0)
            if m.retry(g, now):
                assert owner is None
                owner = g
                granted.append(g)
        if m.starving:
            assert m.locked
        assert (owner is not None) == m.locked
    assert len(granted) == len(set(map(id, granted)))


def test_rwmutex_pending_writer_blocks_new_readers() -> None:
    rw: RWRules[G] = RWRules()
    r1, r2, w = G("r1"), G("r2"), G("w")
    assert rw.rlock(r1, 0)
    assert not rw.announce_writer(w, 1)  # waits for r1
    assert not rw.rlock(r2, 2)  # writer preference: r2 queues behind the writer
    assert rw.runlock() is w  # last awaited reader wakes the writer
    released = rw.unlock_writer()
    assert released == [r2]  # readers that queued during the write go first
    assert rw.readers == 1


def test_rwmutex_writer_without_readers_is_granted_at_once() -> None:
    rw: RWRules[G] = RWRules()
    assert rw.announce_writer(G("w"), 0)
    assert not rw.try_rlock()
    assert rw.unlock_writer() == []
    assert rw.try_rlock()


def test_rwmutex_misuse_is_reported() -> None:
    rw: RWRules[G] = RWRules()
    with pytest.raises(RuntimeError, match="RUnlock"):
        rw.runlock()
    with pytest.raises(RuntimeError, match="Unlock"):
        rw.unlock_writer()


def test_threshold_is_go_value() -> None:
    assert STARVATION_THRESHOLD_NS == 1_000_000
