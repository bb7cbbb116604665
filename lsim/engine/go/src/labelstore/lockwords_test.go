package labelstore

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond until it holds (the goroutines under test park at their own pace;
// there is no event to wait on for "parked inside Lock").
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLockWords(t *testing.T) {
	t.Run("mutex", func(t *testing.T) {
		var m sync.Mutex
		m.Lock()
		if got := MutexWaiters(&m); got != 0 {
			t.Fatalf("held, nobody waiting: %d waiters", got)
		}
		var wg sync.WaitGroup
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); m.Lock(); m.Unlock() }()
		}
		waitFor(t, "3 waiters", func() bool { return MutexWaiters(&m) == 3 })
		m.Unlock()
		wg.Wait()
		if got := MutexWaiters(&m); got != 0 {
			t.Fatalf("all done: %d waiters", got)
		}
	})
	t.Run("rwmutex", func(t *testing.T) {
		var rw sync.RWMutex
		rw.RLock() // an active reader: a writer must wait for it on writerSem
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); rw.Lock(); rw.Unlock() }()
		waitFor(t, "the writer", func() bool { return RWMutexWaiters(&rw) == 1 })
		for i := 0; i < 2; i++ { // readers behind the pending writer
			wg.Add(1)
			go func() { defer wg.Done(); rw.RLock(); rw.RUnlock() }()
		}
		wg.Add(1)
		go func() { defer wg.Done(); rw.Lock(); rw.Unlock() }() // a second writer, on w
		waitFor(t, "writer + 2 readers + writer", func() bool { return RWMutexWaiters(&rw) == 4 })
		rw.RUnlock()
		wg.Wait()
		if got := RWMutexWaiters(&rw); got != 0 {
			t.Fatalf("all done: %d waiters", got)
		}
	})
}

// A waiter that has waited over 1 ms and loses the mutex again switches it to starvation
// mode (sync/mutex.go), and the state word shows it. At GOMAXPROCS 1 the order is fixed:
// the unlocker keeps running and takes the mutex back before the woken waiter runs.
func TestMutexStarving(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var m sync.Mutex
	if MutexStarving(&m) {
		t.Fatal("a fresh mutex is not starving")
	}
	m.Lock()
	done := make(chan struct{})
	go func() { m.Lock(); m.Unlock(); close(done) }()
	waitFor(t, "the waiter", func() bool { return MutexWaiters(&m) == 1 })
	time.Sleep(2 * time.Millisecond) // past starvationThresholdNs (1 ms)
	m.Unlock()                       // wakes the waiter into this P's runnext
	m.Lock()                         // and takes the mutex back before it runs
	runtime.Gosched()                // the waiter runs, loses after > 1 ms: starvation mode
	waitFor(t, "starvation mode", func() bool { return MutexStarving(&m) })
	var rw sync.RWMutex
	if RWMutexStarving(&rw) {
		t.Fatal("a fresh RWMutex is not starving")
	}
	m.Unlock() // hands the mutex to the waiter; it is the last one: normal mode again
	<-done
	if MutexStarving(&m) {
		t.Fatal("still starving after the last waiter took it")
	}
}
