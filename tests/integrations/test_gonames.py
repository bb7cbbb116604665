"""Lock frames renamed to Go's names, as py-spy and yappi would show them."""

from __future__ import annotations

from lsim.integrations import gonames

ROOT = ["Thread.run (threading.py:982)", "StepExecutor._call (lsim/engine/executor.py:126)"]


def names(frames: list[str]) -> list[str]:
    return [gonames.split_frame(f)[0] for f in frames]


def test_mutex_wait_reads_like_go() -> None:
    stack = ROOT + [
        "MutexStore.get_local_ref_id (lsim/stores/mutex.py:53)",
        "Mutex.__enter__ (lsim/sync/locks.py:106)",
        "Mutex.lock (lsim/sync/locks.py:70)",
        "Mutex._lock_slow (lsim/sync/locks.py:123)",
        "Waiter.park (lsim/sync/states.py:120)",
    ]
    go = gonames.go_stack(stack)
    assert names(go)[2:] == [
        "MutexStore.get_local_ref_id",
        "sync.(*Mutex).Lock",
        "sync.(*Mutex).lockSlow",
        "sync.runtime_SemacquireMutex",
    ]
    assert go[-1] == "sync.runtime_SemacquireMutex (lsim/sync/states.py:120)"  # location kept


def test_rwmutex_waits_get_their_own_runtime_frames() -> None:
    read = ROOT + [
        "RWMutex.rlock (lsim/sync/locks.py:190)",
        "RWMutex._rlock_slow (lsim/sync/locks.py:260)",
        "Waiter.park (lsim/sync/states.py:120)",
    ]
    assert names(gonames.go_stack(read))[-3:] == [
        "sync.(*RWMutex).RLock",
        "sync.(*RWMutex).rlockSlow",
        "sync.runtime_SemacquireRWMutexR",
    ]
    write = ROOT + [
        "RWMutex.lock (lsim/sync/locks.py:207)",
        "RWMutex._lock_slow (lsim/sync/locks.py:270)",
        "Waiter.park (lsim/sync/states.py:120)",
    ]
    assert names(gonames.go_stack(write))[-1] == "sync.runtime_SemacquireRWMutex"
    # a writer queued on the inner mutex waits in Mutex.Lock called from RWMutex.Lock, as in Go
    inner = ROOT + [
        "RWMutex.lock (lsim/sync/locks.py:206)",
        "Mutex.lock (lsim/sync/locks.py:70)",
        "Mutex._lock_slow (lsim/sync/locks.py:123)",
        "Waiter.park (lsim/sync/states.py:120)",
    ]
    assert names(gonames.go_stack(inner))[-4:] == [
        "sync.(*RWMutex).Lock",
        "sync.(*Mutex).Lock",
        "sync.(*Mutex).lockSlow",
        "sync.runtime_SemacquireMutex",
    ]


def test_frames_outside_lsim_sync_are_untouched() -> None:
    stack = ["Other.lock (app/locks.py:3)", "Waiter.park (app/states.py:1)", "no location"]
    assert gonames.go_stack(stack) == stack


def test_lock_wait_state_needs_park_under_a_slow_path() -> None:
    locks, states = "/x/lsim/sync/locks.py", "/x/lsim/sync/states.py"
    assert (
        gonames.lock_wait_state([("Waiter.park", states), ("Mutex._lock_slow", locks)])
        == "sync.Mutex.Lock"
    )
    assert (
        gonames.lock_wait_state([("Waiter.park", states), ("RWMutex._rlock_slow", locks)])
        == "sync.RWMutex.RLock"
    )
    # taking the lock's internal guard is not queueing on the lock
    assert gonames.lock_wait_state([("Mutex._lock_slow", locks), ("Mutex.lock", locks)]) is None
    assert (
        gonames.lock_wait_state([("Waiter.park", "/app/states.py"), ("Mutex._lock_slow", locks)])
        is None
    )
    assert gonames.lock_wait_state([("Waiter.park", states)]) is None


def test_go_function_without_caller_for_yappi() -> None:
    assert gonames.go_function("Mutex.lock", "/a/lsim/sync/locks.py") == "sync.(*Mutex).Lock"
    assert gonames.go_function("RWMutex.rlock", "lsim/sync/locks.py") == "sync.(*RWMutex).RLock"
    assert gonames.go_function("Waiter.park", "lsim/sync/states.py") == "sync.runtime_Semacquire"
    assert gonames.go_function("Mutex.lock", "/a/other/locks.py") is None
    assert gonames.go_function("Mutex.snapshot", "lsim/sync/locks.py") is None
