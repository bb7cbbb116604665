package census

import (
	"strings"

	"lsim/labelstore"
	"lsim/plan"
)

// States are the Go names lsim uses everywhere.
const (
	StateRunning  = "running"
	StateRunnable = "runnable"
	StateMutex    = "sync.Mutex.Lock"
	StateRLock    = "sync.RWMutex.RLock"
	StateWLock    = "sync.RWMutex.Lock"
	StateSleep    = "sleep"
)

// IsBlocked reports the three lock-wait states (queued in a lock's waiter list).
func IsBlocked(state string) bool {
	return state == StateMutex || state == StateRLock || state == StateWLock
}

// stackInfo is what a goroutine's (or a profile record's) frames say about the store.
type stackInfo struct {
	op       string              // Alloy method name of the outermost-known store operation
	site     labelstore.CallSite // the store line that called the lock or sync.Map
	hasSite  bool                // site found (the innermost lsim/labelstore frame is a call site)
	lockKind string              // state name from the innermost lock frame ("" none)
	inner    bool                // a (*Mutex).Lock/Unlock frame sits inside an RWMutex call (rw.w)
	unlock   bool                // frames inside an Unlock/RUnlock
}

var lockFrames = map[string]string{
	"sync.(*RWMutex).RLock":           StateRLock,
	"sync.(*RWMutex).Lock":            StateWLock,
	"sync.(*Mutex).Lock":              StateMutex,
	"sync.(*Mutex).lockSlow":          StateMutex,
	"internal/sync.(*Mutex).Lock":     StateMutex,
	"internal/sync.(*Mutex).lockSlow": StateMutex,
}

var unlockFrames = map[string]bool{
	"sync.(*Mutex).Unlock": true, "sync.(*Mutex).unlockSlow": true,
	"internal/sync.(*Mutex).Unlock": true, "internal/sync.(*Mutex).unlockSlow": true,
	"sync.(*RWMutex).Unlock": true, "sync.(*RWMutex).RUnlock": true, "sync.(*RWMutex).rUnlockSlow": true,
}

func isMutexFrame(fn string) bool {
	return strings.HasSuffix(fn, "sync.(*Mutex).Lock") || strings.HasSuffix(fn, "sync.(*Mutex).lockSlow") ||
		strings.HasSuffix(fn, "sync.(*Mutex).Unlock") || strings.HasSuffix(fn, "sync.(*Mutex).unlockSlow")
}

const storePrefix = labelstore.PackagePath + "."

// analyze reads frames innermost first.
func analyze(frames []Frame) stackInfo {
	var si stackInfo
	sites := labelstore.CallSites()
	sawStore := false
	sawMutex := false
	for _, f := range frames {
		if !sawStore {
			if strings.HasPrefix(f.Func, storePrefix) {
				sawStore = true
				si.site, si.hasSite = sites[f.Key()]
			} else {
				if k, ok := lockFrames[f.Func]; ok && si.lockKind == "" {
					si.lockKind = k
				}
				if unlockFrames[f.Func] {
					si.unlock = true
				}
				if isMutexFrame(f.Func) {
					sawMutex = true
				}
				if sawMutex && (f.Func == "sync.(*RWMutex).Lock" || f.Func == "sync.(*RWMutex).Unlock") {
					si.inner = true
				}
			}
		}
		if si.op == "" && strings.HasPrefix(f.Func, storePrefix) {
			if _, ok := plan.OpByName[methodOf(f.Func)]; ok {
				si.op = methodOf(f.Func)
			}
		}
	}
	return si
}

func methodOf(fn string) string {
	if i := strings.LastIndexByte(fn, '.'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

// Locks resolves store call sites, and the lock a goroutine announced, to the design's locks.
type Locks struct {
	byID    map[int32]labelstore.LockInfo
	byField map[string][]labelstore.LockInfo
}

// NewLocks indexes a design's lock list (store.Locks() after the run: it includes every
// lock created during it).
func NewLocks(infos []labelstore.LockInfo) *Locks {
	l := &Locks{byID: map[int32]labelstore.LockInfo{}, byField: map[string][]labelstore.LockInfo{}}
	for _, in := range infos {
		l.byID[in.ID] = in
		l.byField[in.Field] = append(l.byField[in.Field], in)
	}
	return l
}

// candidates are the locks a call site may be using: those of its field, of the right
// sort (a sync.Map method call uses the map's internal lock).
func (l *Locks) candidates(site labelstore.CallSite) []labelstore.LockInfo {
	if l == nil {
		return nil
	}
	syncMap := labelstore.SyncMapMethods[site.Method]
	var out []labelstore.LockInfo
	for _, in := range l.byField[site.Field] {
		if in.SyncMap == syncMap {
			out = append(out, in)
		}
	}
	return out
}

// pick chooses among candidates with the goroutine's announced lock.
func (l *Locks) pick(cands []labelstore.LockInfo, announced int32) (labelstore.LockInfo, bool) {
	if len(cands) == 1 {
		return cands[0], true
	}
	for _, c := range cands {
		if c.ID == announced {
			return c, true
		}
	}
	return labelstore.LockInfo{}, false
}

// Class is one goroutine record, classified.
type Class struct {
	State    string
	Op       string
	Lock     string
	WaitNs   int64
	InUnlock bool
	// Woken is the wait a runnable goroutine was just woken from and has not run since,
	// so its stack still ends in that wait's frames (as a real dump prints it): a lock
	// wait's state (readied by an Unlock, still in the semaphore and lockSlow frames), or
	// StateSleep (its timer fired while it waited for its next batch in the executor's
	// select). "" otherwise.
	Woken string
}

// waitFunc is where a worker waits between batches (lsim/executor).
const waitFunc = "lsim/executor.(*Executor).wait"

// Classify reads one record like a person reads a dump. announced is the lock ID the
// goroutine had announced (Ctx.Lock), or -1.
func (l *Locks) Classify(r *Record, announced int32) Class {
	si := analyze(r.Frames)
	c := Class{Op: si.op, WaitNs: int64(r.Minutes) * 60e9}
	switch reason := r.Reason; {
	case reason == "running":
		c.State = StateRunning
	case reason == "runnable" || reason == "preempted" || strings.HasPrefix(reason, "GC") || strings.HasPrefix(reason, "force gc"):
		c.State = StateRunnable
	case reason == StateMutex || reason == StateRLock || reason == StateWLock:
		c.State = reason // Go >= 1.20 names the wait itself
	case reason == "semacquire" && si.lockKind != "":
		c.State = si.lockKind // Go 1.19: the innermost sync frame gives the newer name
	case reason == "semacquire":
		// A semaphore outside sync locks: for a worker that is the runtime itself (an
		// allocation that starts a GC waits for the world semaphore): wanting to run.
		c.State = StateRunnable
	default:
		c.State = StateSleep // sleep, select, chan receive, IO wait, ...
	}
	c.InUnlock = si.unlock && (c.State == StateRunnable || c.State == StateRunning)
	if c.State == StateRunnable && si.lockKind != "" && !si.unlock {
		c.Woken = si.lockKind
	}
	if c.State == StateRunnable && si.op == "" && len(r.Frames) > 0 && r.Frames[0].Func == waitFunc {
		c.Woken = StateSleep
	}
	if (IsBlocked(c.State) || c.InUnlock || c.Woken != "") && si.hasSite {
		if in, ok := l.pick(l.candidates(si.site), announced); ok {
			c.Lock = in.Name
			if si.inner && in.Kind == "rwmutex" {
				c.Lock += ".w" // queued on the RWMutex's writer mutex, as lsim's RWMutex names it
			}
		}
	}
	return c
}
