package labelstore

import "time"

// Ctx is one goroutine's context, passed as the first argument of every store call so that
// the store can (1) announce which lock it is about to take and (2) count acquisitions and
// sample hold times only inside the measured window, without any extra stack frame between
// a store method and sync.(*Mutex).Lock and without any state shared between goroutines.
//
// Only its own goroutine writes a Ctx. The census reads Lock from another goroutine right
// after runtime.Stack returns (a plain, racy read of an int32 that a blocked goroutine is
// not changing: it is parked in Lock).
type Ctx struct {
	// Lock is the ID (LockInfo.ID) of the last lock this goroutine asked for: written
	// right before each Lock/RLock (and sync.Map) call and deliberately not cleared
	// afterwards, so a goroutine woken between the end of the stop-the-world and the
	// census read of this field still names the lock it was queued on. -1: none yet.
	Lock int32
	// Measuring is this goroutine's copy of "inside the measured window", refreshed by
	// the executor before each store call.
	Measuring bool
	// Gid is the runtime goroutine id (learnt once by the executor), for the census.
	Gid int64

	reads []readStats // per lock ID: this goroutine's read-side acquisitions and holds
	_     [64]byte    // keep other goroutines' Ctx off this cache line
}

// NewCtx returns a context that has announced no lock yet.
func NewCtx() *Ctx { return &Ctx{Lock: -1} }

// readStats counts one goroutine's read-side acquisitions of one RWMutex. Read locks are
// held by many goroutines at once, so a counter under the lock would be a shared write:
// each goroutine counts its own and the runner adds them up after the window.
type readStats struct {
	Acq, Samples uint64
	HoldNs, t0   int64
}

// ReadCounts returns this context's read-side counters for lock id (zero if none).
func (w *Ctx) ReadCounts(id int32) (acq, samples uint64, holdNs int64) {
	if int(id) < len(w.reads) {
		r := &w.reads[id]
		return r.Acq, r.Samples, r.HoldNs
	}
	return 0, 0, 0
}

// holdSampleMask: one critical section in 16 is timed (a clock read costs ~25-50 ns; timing
// every one would lengthen every hold). The first one of each counter is timed too, so short
// windows get samples.
const holdSampleMask = 15

func (w *Ctx) readLocked(id int32) {
	if !w.Measuring {
		return
	}
	if int(id) >= len(w.reads) {
		grown := make([]readStats, id+8)
		copy(grown, w.reads)
		w.reads = grown
	}
	r := &w.reads[id]
	r.Acq++
	if r.Acq&holdSampleMask == 1 {
		r.t0 = nanotime()
	}
}

func (w *Ctx) readUnlocking(id int32) {
	if int(id) < len(w.reads) {
		if r := &w.reads[id]; r.t0 != 0 {
			r.HoldNs += nanotime() - r.t0
			r.Samples++
			r.t0 = 0
		}
	}
}

// exclStats counts exclusive acquisitions of one lock. Only the holder writes it, under the
// lock, so it needs no atomics and adds no sharing the lock itself does not already have.
type exclStats struct {
	acq, samples uint64
	holdNs, t0   int64
}

func (st *exclStats) locked(w *Ctx) {
	if w.Measuring {
		st.acq++
		if st.acq&holdSampleMask == 1 {
			st.t0 = nanotime()
		}
	}
}

func (st *exclStats) unlocking() {
	if st.t0 != 0 {
		st.holdNs += nanotime() - st.t0
		st.samples++
		st.t0 = 0
	}
}

func (st *exclStats) counts() LockCount {
	return LockCount{Acquisitions: st.acq, HoldNs: scaleHold(st.holdNs, st.samples, st.acq)}
}

// scaleHold estimates the total hold time from the timed sample: mean x acquisitions.
func scaleHold(sampled int64, samples, acq uint64) int64 {
	if samples == 0 {
		return 0
	}
	return int64(float64(sampled) / float64(samples) * float64(acq))
}

var epoch = time.Now()

// nanotime is a monotonic clock in ns (time.Since reads the monotonic clock).
func nanotime() int64 { return int64(time.Since(epoch)) + 1 }
