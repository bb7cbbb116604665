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

func mutexWaitersOf(m *sync.Mutex) func() int      { return func() int { return MutexWaiters(m) } }
func rwMutexWaitersOf(rw *sync.RWMutex) func() int { return func() int { return RWMutexWaiters(rw) } }
