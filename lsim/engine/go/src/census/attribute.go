package census

import (
	"math"
	"sort"

	"lsim/labelstore"
)

// How profile records are charged to locks. Each block-profile record (a waiter's stack)
// and mutex-profile record (an unlocker's stack) is read like a dump: its innermost
// lsim/labelstore frame is the store line that called Lock/RLock/Unlock/RUnlock or a
// sync.Map method; labelstore.CallSites (the store's own sources, parsed) maps that line to
// the struct field, and the field to the design's lock(s). The sync frames between give the
// side: RLock waits are the read side, a Lock that waited inside the RWMutex's writer mutex
// (a (*Mutex).Lock frame inside (*RWMutex).Lock) is "<name>.w" (lsim's RWMutex reports its
// writer mutex under that name), any other Lock wait the write side; for delays, RUnlock
// delays a writer (write side), an RWMutex Unlock releasing readers delays the read side,
// and its inner (*Mutex).Unlock the ".w" mutex. The operation is the outermost-known store
// method frame named like an Alloy method.
//
// A field that stands for several locks (a shard's mut, a component's mu, a component's
// sync.Map) cannot be split by a profile, which has no per-goroutine information: the
// record is divided over those locks in proportion to their acquisitions in the window
// (evenly when none were counted, as for sync.Map internals), and the lock reports say so
// (wait_split).

// Side is which part of a lock a wait or delay belongs to.
type Side uint8

const (
	SideWrite Side = iota // a Mutex, an RWMutex's write side, a sync.Map's internal lock
	SideRead              // an RWMutex's read side
	SideInner             // an RWMutex's writer mutex (<name>.w)
)

// LockReport is one entry of the result's locks[] (PROTOCOL.md).
type LockReport struct {
	Name            string              `json:"name"`
	Kind            string              `json:"kind"`
	Mode            string              `json:"mode"`
	Acquisitions    uint64              `json:"acquisitions"`
	Contended       int64               `json:"contended"`
	WaitTotalNs     int64               `json:"wait_total_ns"`
	WaitMaxNs       int64               `json:"wait_max_ns"`
	HoldTotalNs     int64               `json:"hold_total_ns"`
	WaitByOperation map[string][2]int64 `json:"wait_by_operation"`
	DelayByUnlocker map[string][2]int64 `json:"delay_by_unlocker"`
	WaitSplit       string              `json:"wait_split,omitempty"`
	SyncMap         bool                `json:"sync_map,omitempty"`

	ID   int32 `json:"-"`
	Side Side  `json:"-"`

	waitNs  float64
	byOp    map[string]*[2]float64
	delayOp map[string]*[2]float64
}

type tableKey struct {
	id   int32
	side Side
}

// LockTable holds every lock side of a design and collects what the profiles charge.
type LockTable struct {
	Entries []*LockReport
	index   map[tableKey]*LockReport
}

// NewLockTable makes the entries of a lock list: a mutex (or a sync.Map's lock) has one,
// an RWMutex three (write, read, and its writer mutex <name>.w).
func NewLockTable(infos []labelstore.LockInfo) *LockTable {
	t := &LockTable{index: map[tableKey]*LockReport{}}
	add := func(in labelstore.LockInfo, side Side, name, kind, mode string) {
		e := &LockReport{Name: name, Kind: kind, Mode: mode, ID: in.ID, Side: side, SyncMap: in.SyncMap,
			WaitByOperation: map[string][2]int64{}, DelayByUnlocker: map[string][2]int64{},
			byOp: map[string]*[2]float64{}, delayOp: map[string]*[2]float64{}}
		t.Entries = append(t.Entries, e)
		t.index[tableKey{in.ID, side}] = e
	}
	sorted := append([]labelstore.LockInfo(nil), infos...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	for _, in := range sorted {
		if in.Kind == "rwmutex" {
			add(in, SideWrite, in.Name, "rwmutex", "write")
			add(in, SideRead, in.Name, "rwmutex", "read")
			add(in, SideInner, in.Name+".w", "mutex", "write")
		} else {
			add(in, SideWrite, in.Name, "mutex", "write")
		}
	}
	return t
}

// Entry returns a lock side's report (nil if the design has no such side).
func (t *LockTable) Entry(id int32, side Side) *LockReport { return t.index[tableKey{id, side}] }

// ProfileTotals are a profile's totals in the window.
type ProfileTotals struct {
	TotalNs int64 `json:"total_ns"`
	Events  int64 `json:"events"`
	StoreNs int64 `json:"store_ns"`
}

func waitSide(site labelstore.CallSite, kind string, inner bool) (Side, bool) {
	switch {
	case labelstore.SyncMapMethods[site.Method]:
		return SideWrite, true
	case site.Method == "RLock":
		return SideRead, true
	case site.Method == "Lock" && kind == "rwmutex" && inner:
		return SideInner, true
	case site.Method == "Lock":
		return SideWrite, true
	}
	return 0, false
}

func delaySide(site labelstore.CallSite, kind string, inner bool) (Side, bool) {
	switch {
	case labelstore.SyncMapMethods[site.Method]:
		return SideWrite, true
	case site.Method == "RUnlock":
		return SideWrite, true // readers leaving delayed a writer
	case site.Method == "Unlock" && kind == "rwmutex" && inner:
		return SideInner, true
	case site.Method == "Unlock" && kind == "rwmutex":
		return SideRead, true // a writer leaving delayed the readers it releases
	case site.Method == "Unlock":
		return SideWrite, true
	}
	return 0, false
}

func opKey(op string) string {
	if op == "" {
		return "(outside)"
	}
	return op
}

// ChargeBlock charges every store record of a block profile (waiters' stacks) to its lock
// sides: contended, wait_total_ns, wait_by_operation.
func (t *LockTable) ChargeBlock(p *Profile, locks *Locks) ProfileTotals {
	return t.charge(p, locks, false)
}

// ChargeMutex charges a mutex profile (unlockers' stacks) to delay_by_unlocker.
func (t *LockTable) ChargeMutex(p *Profile, locks *Locks) ProfileTotals {
	return t.charge(p, locks, true)
}

func (t *LockTable) charge(p *Profile, locks *Locks, delay bool) ProfileTotals {
	var tot ProfileTotals
	var totalNs, storeNs float64
	for i := range p.Records {
		r := &p.Records[i]
		ns := p.Ns(r)
		totalNs += ns
		tot.Events += r.Count
		si := analyze(r.Frames)
		if !si.hasSite {
			continue
		}
		cands := locks.candidates(si.site)
		if len(cands) == 0 {
			continue
		}
		var side Side
		var ok bool
		if delay {
			side, ok = delaySide(si.site, cands[0].Kind, si.inner)
		} else {
			side, ok = waitSide(si.site, cands[0].Kind, si.inner)
		}
		if !ok {
			continue
		}
		storeNs += ns
		var entries []*LockReport
		var weights []float64
		var sum float64
		for _, c := range cands {
			if e := t.Entry(c.ID, side); e != nil {
				entries = append(entries, e)
				w := float64(e.Acquisitions)
				if side == SideInner || c.SyncMap {
					if we := t.Entry(c.ID, SideWrite); we != nil {
						w = float64(we.Acquisitions)
					}
				}
				weights = append(weights, w)
				sum += w
			}
		}
		if len(entries) == 0 {
			continue
		}
		split := "by_acquisitions"
		if sum == 0 {
			split = "even"
			for i := range weights {
				weights[i] = 1
			}
			sum = float64(len(weights))
		}
		counts := apportion(r.Count, weights, sum)
		for i, e := range entries {
			share := weights[i] / sum
			if len(entries) > 1 {
				e.WaitSplit = split
			}
			table := e.byOp
			if delay {
				table = e.delayOp
			} else {
				e.Contended += counts[i]
				e.waitNs += ns * share
			}
			cell := table[opKey(si.op)]
			if cell == nil {
				cell = new([2]float64)
				table[opKey(si.op)] = cell
			}
			cell[0] += float64(counts[i])
			cell[1] += ns * share
		}
	}
	tot.TotalNs, tot.StoreNs = int64(math.Round(totalNs)), int64(math.Round(storeNs))
	return tot
}

// apportion splits n over weights (largest remainder: the parts add up to n exactly).
func apportion(n int64, weights []float64, sum float64) []int64 {
	out := make([]int64, len(weights))
	if len(weights) == 1 {
		out[0] = n
		return out
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	var given int64
	for i, w := range weights {
		exact := float64(n) * w / sum
		out[i] = int64(math.Floor(exact))
		given += out[i]
		rems[i] = rem{i, exact - float64(out[i])}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < n && k < len(rems); k++ {
		out[rems[k].i]++
		given++
	}
	return out
}

// Finish rounds what was charged into the reports' integer fields.
func (t *LockTable) Finish() {
	for _, e := range t.Entries {
		e.WaitTotalNs = int64(math.Round(e.waitNs))
		for op, c := range e.byOp {
			e.WaitByOperation[op] = [2]int64{int64(math.Round(c[0])), int64(math.Round(c[1]))}
		}
		for op, c := range e.delayOp {
			e.DelayByUnlocker[op] = [2]int64{int64(math.Round(c[0])), int64(math.Round(c[1]))}
		}
	}
}
