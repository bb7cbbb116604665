package labelstore

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// Counting a lock's waiters from its own words, without stopping the world.
//
// A sync.Mutex is {state int32; sema uint32} in every release from Go 1.19 to 1.27 (since
// 1.24 behind a zero-size noCopy and internal/sync.Mutex, same offsets): state's bits above
// the three flags (mutexLocked, mutexWoken, mutexStarving) count the goroutines queued on
// sema (sync/mutex.go, mutexWaiterShift). Unlock subtracts one when it wakes a waiter in
// normal mode, so the count is the goroutines parked in Lock (a woken, runnable waiter is no
// longer in it; in starvation mode the one handed the lock stays in it until it runs).
//
// A sync.RWMutex is {w Mutex; writerSem, readerSem uint32; readerCount, readerWait int32}
// (sync/rwmutex.go; atomic.Int32 since 1.20, same layout). While a writer is pending or
// holds the lock readerCount is negative: readerCount + rwmutexMaxReaders readers are either
// active ones the writer waits for (readerWait of them) or ones that arrived after it, parked
// on readerSem; the writer itself is parked on writerSem while readerWait > 0. Writers behind
// it wait on w.
//
// The layouts are checked by TestLockWords (lockwords_test.go) on the Go that builds lsimgo.

const (
	mutexStarving     = 4       // sync/mutex.go: the state bit of starvation mode
	mutexWaiterShift  = 3       // sync/mutex.go
	rwmutexMaxReaders = 1 << 30 // sync/rwmutex.go
)

// MutexWaiters is the number of goroutines parked in m.Lock right now.
func MutexWaiters(m *sync.Mutex) int {
	return int(atomic.LoadInt32((*int32)(unsafe.Pointer(m))) >> mutexWaiterShift)
}

// RWMutexWaiters is the number of goroutines parked in rw.Lock or rw.RLock right now.
func RWMutexWaiters(rw *sync.RWMutex) int {
	words := (*[6]int32)(unsafe.Pointer(rw))
	n := int(atomic.LoadInt32(&words[0]) >> mutexWaiterShift) // writers queued on w
	if count := atomic.LoadInt32(&words[4]); count < 0 {
		wait := atomic.LoadInt32(&words[5])
		if late := count + rwmutexMaxReaders - wait; late > 0 {
			n += int(late) // readers that came after the pending writer
		}
		if wait > 0 {
			n++ // the writer, until the readers it waits for have left
		}
	}
	return n
}

// MutexStarving reports whether m is in starvation mode right now: Unlock hands the lock to
// the queue's head and newcomers queue behind it (sync/mutex.go, "Mutex fairness"). The share
// of time a lock spends so tells a hand-off convoy from one of woken, runnable waiters.
func MutexStarving(m *sync.Mutex) bool {
	return atomic.LoadInt32((*int32)(unsafe.Pointer(m)))&mutexStarving != 0
}

// RWMutexStarving reports whether rw's writer mutex (w, its first word) is in starvation mode.
func RWMutexStarving(rw *sync.RWMutex) bool {
	return MutexStarving((*sync.Mutex)(unsafe.Pointer(rw)))
}

// Words reads a lock's own words without stopping the world (nil functions: unreadable).
type Words struct {
	// Waiters counts the goroutines parked on the lock right now.
	Waiters func() int
	// Starving tells whether its (writer) mutex is in starvation mode right now.
	Starving func() bool
}

func mutexWords(m *sync.Mutex) Words {
	return Words{Waiters: func() int { return MutexWaiters(m) }, Starving: func() bool { return MutexStarving(m) }}
}

func rwMutexWords(rw *sync.RWMutex) Words {
	return Words{Waiters: func() int { return RWMutexWaiters(rw) }, Starving: func() bool { return RWMutexStarving(rw) }}
}
