package engine

import (
	"lsim/census"
	"lsim/executor"
	"lsim/labelstore"
	"lsim/plan"
)

// finish reads everything measured into the result (after the window: nothing here runs
// while the workers are measured).
func (r *run) finish() {
	res := r.res
	res.Interrupted = r.interrupted.Load()
	if res.Interrupted {
		res.Notes = append(res.Notes, "interrupted: the measured window was cut short")
	}
	r.opt.Progress.Phase("reading", -1)

	var merged [plan.NumOps]executor.Merged
	res.ThreadOps = make([]uint64, len(r.recs))
	for g, rec := range r.recs {
		res.ThreadOps[g] = rec.Ops
		res.Pace.Steps += rec.Paced
		res.Pace.Late += rec.Late
		for op, h := range rec.Hist {
			merged[op].Add(h)
		}
	}
	for op := plan.Op(1); op < plan.NumOps; op++ {
		m := &merged[op]
		if m.Count == 0 {
			continue
		}
		res.Operations[plan.OpNames[op]] = OpResult{Count: m.Count, P50Ns: m.Quantile(0.50),
			P99Ns: m.Quantile(0.99), MaxNs: m.MaxNs, Hist: m.Log2()}
	}

	locks := r.store.Locks()
	resolver := census.NewLocks(locks)
	table := census.NewLockTable(locks)
	r.fillCounts(table, locks)
	if r.blockWin != nil {
		res.Block = table.ChargeBlock(r.blockWin, resolver)
	}
	if r.mutexWin != nil {
		t := table.ChargeMutex(r.mutexWin, resolver)
		res.Mutex = MutexTotals(t)
	}
	table.Finish()
	r.fillWaitMax(table)
	for _, e := range table.Entries {
		if e.Acquisitions > 0 || e.Contended > 0 || len(e.DelayByUnlocker) > 0 {
			res.Locks = append(res.Locks, e)
		}
	}

	res.Census = CensusResult{Representative: -1, Cells: [][]any{}, BlockedPerSample: []int{},
		ObservedPerSample: []int{}, STWPerSample: []float64{}, AtPerSample: []float64{}, Budget: r.pf.CensusBudget, MinIntervalS: r.pf.CensusMinIntervalS}
	if r.sampler != nil {
		r.sampler.Locks = resolver
		s := r.sampler.Summarize()
		c := &res.Census
		c.Samples, c.IntervalS, c.STWsTotal, c.ParseSTotal = s.Samples, s.IntervalS, s.STWs, s.ParseS
		if res.WindowS > 0 {
			c.ShareOfWindow = s.STWs / res.WindowS
		}
		for _, cell := range s.Cells {
			c.Cells = append(c.Cells, []any{cell.State, cell.Op, cell.Lock, cell.N})
		}
		if s.BlockedPerSample != nil {
			c.BlockedPerSample, c.ObservedPerSample = s.BlockedPerSample, s.ObservedPerSample
			c.STWPerSample, c.AtPerSample = s.STWPerSample, s.AtPerSample
		}
		c.Representative = s.Representative
		if s.RepGoroutines != nil {
			res.Rep = s.RepGoroutines
		}
		res.Dump = s.RepText
	}

	w := labelstore.NewCtx()
	res.Store = StoreResult{GlobalIDs: r.store.Collect(w).GlobalIDs, Collisions: r.store.Collisions()}
}

// fillCounts puts acquisitions and (sampled, scaled) hold times on each lock side:
// exclusive sides from the store's counters (counted under the lock), read sides from every
// goroutine's own counters, an RWMutex's writer mutex (.w) from its write side (every write
// acquisition passes through it; its hold is taken as the write hold).
func (r *run) fillCounts(t *census.LockTable, locks []labelstore.LockInfo) {
	counts := r.store.Counts()
	for i, in := range locks {
		if in.SyncMap {
			continue // acquisitions happen inside sync.Map: not counted
		}
		c := counts[i]
		if e := t.Entry(in.ID, census.SideWrite); e != nil {
			e.Acquisitions, e.HoldTotalNs = c.Acquisitions, c.HoldNs
		}
		if e := t.Entry(in.ID, census.SideInner); e != nil {
			e.Acquisitions, e.HoldTotalNs = c.Acquisitions, c.HoldNs
		}
		if e := t.Entry(in.ID, census.SideRead); e != nil {
			var acq, samples uint64
			var hold int64
			for _, ctx := range r.ctxs {
				a, s, h := ctx.ReadCounts(in.ID)
				acq, samples, hold = acq+a, samples+s, hold+h
			}
			e.Acquisitions = acq
			if samples > 0 {
				e.HoldTotalNs = int64(float64(hold) / float64(samples) * float64(acq))
			}
		}
	}
}

// fillWaitMax: the profiles give no maximum, so wait_max_ns is the latency of the slowest
// store call that had last announced the lock (each goroutine's slowest call per
// operation), capped by the side's total wait, and only on sides the block profile saw
// contended: an upper bound of the longest wait.
func (r *run) fillWaitMax(t *census.LockTable) {
	slow := map[int32]int64{}
	for _, rec := range r.recs {
		for op, h := range rec.Hist {
			if h != nil && h.MaxNs > slow[rec.SlowLock[op]] {
				slow[rec.SlowLock[op]] = h.MaxNs
			}
		}
	}
	for _, e := range t.Entries {
		if e.Contended > 0 {
			m := slow[e.ID]
			if m > e.WaitTotalNs {
				m = e.WaitTotalNs
			}
			e.WaitMaxNs = m
		}
	}
}
