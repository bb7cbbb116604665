package census

import (
	"math/rand"
	"runtime"
	"sort"
	"sync"
	"time"

	"lsim/labelstore"
)

// Sampler takes runtime.Stack(buf, true) samples during the measured window. Each call
// stops the world for roughly 5 us per goroutine, so the sampler measures every call and
// waits on average mean_call_time/budget before the next one (never less than MinInterval):
// the time spent inside runtime.Stack stays near Budget of the window whatever the goroutine
// count. The mean is over every call so far, not the last one: a call's cost depends on the
// state it caught (a convoy's parked goroutines have deeper stacks; running ones must be
// preempted first), so waiting after each call in proportion to its own cost would space
// samples by state: more samples in the cheaper state, a biased mean on a lock that swings
// between a convoy and none. Each
// wait is drawn uniformly from [2/3, 4/3) of that mean, so that samples do not lock onto a
// periodic workload (a 10 ms sampler on a 10 ms hold/gap cycle would see the same phase
// every time). Dump
// texts are kept raw and read after the window (MaxKeep bytes at most: beyond that, samples
// are read early and the texts furthest from the median blocked count are dropped).
type Sampler struct {
	Budget      float64
	MinInterval time.Duration
	Seed        int64 // for the jitter of the waits
	MaxKeep     int64
	// Workers returns the current worker contexts (index = worker index). Right after each
	// stop-the-world the sampler copies every worker's goroutine id and announced lock.
	Workers func() []*labelstore.Ctx
	// Locks resolves lock names when samples are read (nil: no store locks, as in known).
	Locks *Locks
	// IsWorker recognises a worker's record by its "created by" function, for workers
	// whose goroutine id was not known at the sample: a goroutine created but not yet run
	// (it learns its id in its first statement). Such a record counts as that state with
	// no announced lock; in the representative it takes one of the indices no record
	// claimed, in order.
	IsWorker func(createdBy string) bool

	mu        sync.Mutex
	samples   []*Sample
	kept      int64
	stw       time.Duration
	intervals time.Duration
	parse     time.Duration
	stop      chan struct{}
	done      chan struct{}
}

// Sample is one dump and the worker slots copied right after it.
type Sample struct {
	At    time.Duration // since the sampler started
	Took  time.Duration // inside runtime.Stack (all attempts)
	Text  []byte        // nil once dropped
	gids  []int64
	locks []int32
	read  bool
	sum   sampleSummary
}

type sampleSummary struct {
	blocked  int
	observed int
	cells    map[cellKey]int
}

type cellKey struct{ state, op, lock string }

// Start begins sampling in a goroutine of its own.
func (s *Sampler) Start() {
	if s.MaxKeep == 0 {
		s.MaxKeep = 512 << 20
	}
	if s.Budget <= 0 {
		s.Budget = 0.05
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.loop()
}

// Stop ends sampling (waiting for a sample in progress) and returns.
func (s *Sampler) Stop() {
	if s.stop == nil {
		return
	}
	close(s.stop)
	<-s.done
}

func (s *Sampler) loop() {
	defer close(s.done)
	began := time.Now()
	buf := make([]byte, 1<<20)
	if ws := s.Workers(); len(ws)*1024 > len(buf) {
		buf = make([]byte, len(ws)*1024)
	}
	wait := s.MinInterval
	if wait <= 0 {
		wait = time.Millisecond
	}
	rng := rand.New(rand.NewSource(s.Seed))
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-timer.C:
		}
		t0 := time.Now()
		n := runtime.Stack(buf, true)
		for n == len(buf) { // did not fit: grow and take it again (also timed)
			buf = make([]byte, 2*len(buf))
			n = runtime.Stack(buf, true)
		}
		took := time.Since(t0)
		ws := s.Workers()
		sm := &Sample{At: t0.Sub(began), Took: took, Text: append([]byte(nil), buf[:n]...),
			gids: make([]int64, len(ws)), locks: make([]int32, len(ws))}
		for i, w := range ws {
			sm.gids[i], sm.locks[i] = w.Gid, w.Lock // racy reads of a parked goroutine's slot
		}
		if len(buf) < n+n/4 {
			buf = make([]byte, n+n/2) // room to grow without a second stop-the-world
		}
		s.mu.Lock()
		s.samples = append(s.samples, sm)
		s.kept += int64(n)
		s.stw += took
		interval := time.Duration(float64(meanWait(s.stw, len(s.samples), s.Budget, s.MinInterval)) *
			(2 + 2*rng.Float64()) / 3)
		s.intervals += interval
		over := s.kept > s.MaxKeep
		s.mu.Unlock()
		if over {
			s.shed()
		}
		next := interval - time.Since(t0)
		if next < 0 {
			next = 0
		}
		timer.Reset(next)
	}
}

// meanWait is the mean wait before the next sample: the mean cost of the calls so far over
// the budget, at least 1.5 x minInterval. It depends on the history of costs only through
// their total, so one call's own cost (and the state it caught) barely moves it.
func meanWait(totalTook time.Duration, calls int, budget float64, minInterval time.Duration) time.Duration {
	mean := float64(totalTook) / float64(calls) / budget
	if floor := 1.5 * float64(minInterval); mean < floor {
		mean = floor
	}
	return time.Duration(mean)
}

// read classifies a sample once (keeping only counts).
func (s *Sampler) read(sm *Sample) {
	if sm.read {
		return
	}
	t0 := time.Now()
	index := make(map[int64]int, len(sm.gids))
	for i, g := range sm.gids {
		if g != 0 {
			index[g] = i
		}
	}
	sum := sampleSummary{cells: map[cellKey]int{}}
	for _, r := range ParseDump(sm.Text) {
		announced := int32(-1)
		if i, ok := index[r.ID]; ok {
			announced = sm.locks[i]
		} else if s.IsWorker == nil || !s.IsWorker(r.CreatedBy) {
			continue // the sampler, main, or a goroutine that is no worker
		}
		r := r
		c := s.Locks.Classify(&r, announced)
		sum.observed++
		if IsBlocked(c.State) {
			sum.blocked++
		}
		lock := c.Lock
		if c.Woken != "" {
			lock = "" // cells stay (state, operation, lock) as before: the lock names waits
		}
		sum.cells[cellKey{c.State, c.Op, lock}]++
	}
	sm.sum, sm.read = sum, true
	s.parse += time.Since(t0)
}

// shed reads every sample and drops the texts furthest from the median blocked count
// until the kept texts fit MaxKeep again.
func (s *Sampler) shed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sm := range s.samples {
		s.read(sm)
	}
	med := medianBlocked(s.samples)
	withText := []*Sample{}
	for _, sm := range s.samples {
		if sm.Text != nil {
			withText = append(withText, sm)
		}
	}
	sort.SliceStable(withText, func(a, b int) bool { return dist(withText[a], med) > dist(withText[b], med) })
	for _, sm := range withText {
		if s.kept <= s.MaxKeep/2 {
			break
		}
		s.kept -= int64(len(sm.Text))
		sm.Text = nil
	}
}

func dist(sm *Sample, med int) int {
	d := sm.sum.blocked - med
	if d < 0 {
		return -d
	}
	return d
}

func medianBlocked(samples []*Sample) int {
	if len(samples) == 0 {
		return 0
	}
	b := make([]int, len(samples))
	for i, sm := range samples {
		b[i] = sm.sum.blocked
	}
	sort.Ints(b)
	return b[(len(b)-1)/2]
}
