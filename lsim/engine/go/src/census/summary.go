package census

import "sort"

// Cell is [state, operation, lock, goroutine_samples].
type Cell struct {
	State, Op, Lock string
	N               int
}

// Summary is what the census reports after the window.
type Summary struct {
	Samples           int
	IntervalS         float64
	STWs              float64
	ParseS            float64
	Cells             []Cell
	BlockedPerSample  []int
	ObservedPerSample []int
	STWPerSample      []float64 // seconds inside runtime.Stack, per sample
	AtPerSample       []float64 // seconds since the sampler began, per sample
	Representative    int       // index into the samples (-1: none)
	RepText           string
	RepGoroutines     []RepGoroutine
}

// RepGoroutine is one worker of the representative sample.
type RepGoroutine struct {
	Goroutine int    `json:"goroutine"` // worker index + 1
	State     string `json:"state"`
	Operation string `json:"operation"`
	Lock      string `json:"lock"`
	WaitNs    int64  `json:"wait_ns"`
	InUnlock  bool   `json:"in_unlock"`
	Woken     string `json:"woken,omitempty"` // Class.Woken
}

// Summarize reads every sample (after Stop) and picks the representative: the sample whose
// blocked count is the median (the kept one closest to it, if texts were dropped).
func (s *Sampler) Summarize() Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Summary{Representative: -1}
	cells := map[cellKey]int{}
	for _, sm := range s.samples {
		s.read(sm)
		out.BlockedPerSample = append(out.BlockedPerSample, sm.sum.blocked)
		out.ObservedPerSample = append(out.ObservedPerSample, sm.sum.observed)
		out.STWPerSample = append(out.STWPerSample, sm.Took.Seconds())
		out.AtPerSample = append(out.AtPerSample, sm.At.Seconds())
		for k, n := range sm.sum.cells {
			cells[k] += n
		}
	}
	out.Samples = len(s.samples)
	if out.Samples > 0 {
		out.IntervalS = s.intervals.Seconds() / float64(out.Samples)
	}
	out.STWs = s.stw.Seconds()
	for k, n := range cells {
		out.Cells = append(out.Cells, Cell{k.state, k.op, k.lock, n})
	}
	sort.Slice(out.Cells, func(a, b int) bool {
		ca, cb := out.Cells[a], out.Cells[b]
		if ca.N != cb.N {
			return ca.N > cb.N
		}
		if ca.State != cb.State {
			return ca.State < cb.State
		}
		if ca.Op != cb.Op {
			return ca.Op < cb.Op
		}
		return ca.Lock < cb.Lock
	})
	// The median over samples that saw any worker (a sample taken before the workers of
	// a burst iteration ran says nothing).
	seen := []*Sample{}
	for _, sm := range s.samples {
		if sm.sum.observed > 0 {
			seen = append(seen, sm)
		}
	}
	if len(seen) == 0 {
		seen = s.samples
	}
	med := medianBlocked(seen)
	best := -1
	for i, sm := range s.samples {
		if sm.Text == nil || (sm.sum.observed == 0 && len(seen) != len(s.samples)) {
			continue
		}
		if best < 0 || dist(sm, med) < dist(s.samples[best], med) ||
			(dist(sm, med) == dist(s.samples[best], med) && sm.sum.observed > s.samples[best].sum.observed) {
			best = i
		}
	}
	if best >= 0 {
		sm := s.samples[best]
		out.Representative = best
		out.RepText = string(sm.Text)
		out.RepGoroutines = s.representative(sm)
		for _, other := range s.samples {
			if other != sm {
				other.Text = nil // free the rest
			}
		}
	}
	out.ParseS = s.parse.Seconds()
	return out
}

func (s *Sampler) representative(sm *Sample) []RepGoroutine {
	index := make(map[int64]int, len(sm.gids))
	for i, g := range sm.gids {
		if g != 0 {
			index[g] = i
		}
	}
	var out []RepGoroutine
	claimed := make([]bool, len(sm.gids))
	var anonymous []Class
	for _, r := range ParseDump(sm.Text) {
		r := r
		i, ok := index[r.ID]
		if !ok {
			if s.IsWorker != nil && s.IsWorker(r.CreatedBy) {
				anonymous = append(anonymous, s.Locks.Classify(&r, -1))
			}
			continue
		}
		claimed[i] = true
		c := s.Locks.Classify(&r, sm.locks[i])
		out = append(out, RepGoroutine{Goroutine: i + 1, State: c.State, Operation: c.Op, Lock: c.Lock, WaitNs: c.WaitNs, InUnlock: c.InUnlock, Woken: c.Woken})
	}
	for i := 0; i < len(claimed) && len(anonymous) > 0; i++ {
		if !claimed[i] {
			c := anonymous[0]
			anonymous = anonymous[1:]
			out = append(out, RepGoroutine{Goroutine: i + 1, State: c.State, Operation: c.Op, Lock: c.Lock, WaitNs: c.WaitNs, InUnlock: c.InUnlock, Woken: c.Woken})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Goroutine < out[b].Goroutine })
	return out
}
