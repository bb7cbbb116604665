package engine

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"lsim/census"
	"lsim/executor"
	"lsim/labelstore"
)

// KnownOptions is the census known-answer case (PROTOCOL.md "Known-answer case").
type KnownOptions struct {
	Waiters     int
	Hold, Gap   time.Duration
	Duration    time.Duration
	Gomaxprocs  int
	Budget      float64
	MinInterval time.Duration
}

// KnownResult compares the census with the truth and the analytic answer.
type KnownResult struct {
	CensusShare   float64 `json:"census_share"`
	TruthShare    float64 `json:"truth_share"`
	AnalyticShare float64 `json:"analytic_share"`
	Samples       int     `json:"samples"`
	IntervalS     float64 `json:"interval_s"`
	STWsTotal     float64 `json:"stw_s_total"`
	WindowS       float64 `json:"window_s"`
	Waiters       int     `json:"waiters"`
	Gomaxprocs    int     `json:"gomaxprocs"`
	GoVersion     string  `json:"go_version"`
}

// Known runs the known-answer case: goroutine 0 holds one mutex for hold of every
// hold+gap; W waiters wait (on a channel) until a hold begins, then Lock and Unlock it, so
// each is queued on the mutex for the rest of every hold. The truth is every goroutine's
// own timing of its Lock calls (clipped to the window); the census is the same sampler and
// classifier as `run -census`, counting goroutines in a lock-wait state.
func Known(o KnownOptions) KnownResult {
	if o.Gomaxprocs > 0 {
		runtime.GOMAXPROCS(o.Gomaxprocs)
	}
	n := o.Waiters + 1
	var (
		mu          sync.Mutex
		cur         atomic.Pointer[chan struct{}]
		stop        atomic.Bool
		w0          atomic.Int64
		w1          atomic.Int64
		ready, done sync.WaitGroup
	)
	w0.Store(math.MaxInt64)
	first := make(chan struct{})
	cur.Store(&first)
	waited := make([]int64, n) // each written by its own goroutine only
	ctxs := make([]*labelstore.Ctx, n)
	for i := range ctxs {
		ctxs[i] = labelstore.NewCtx()
	}
	clip := func(t0, t1 int64) int64 { // the part of [t0, t1] inside the window
		lo, hi := w0.Load(), w1.Load()
		if hi == 0 || hi > t1 {
			hi = t1
		}
		if lo < t0 {
			lo = t0
		}
		if hi > lo {
			return hi - lo
		}
		return 0
	}
	ready.Add(n)
	done.Add(n)
	go func() { // the holder
		defer done.Done()
		ctxs[0].Gid = census.CurrentGID()
		ready.Done()
		ready.Wait()
		for !stop.Load() {
			t0 := executor.Nanotime()
			mu.Lock()
			waited[0] += clip(t0, executor.Nanotime())
			next := make(chan struct{})
			close(*cur.Swap(&next)) // a hold begins: wake the waiters
			time.Sleep(o.Hold)
			mu.Unlock()
			time.Sleep(o.Gap)
		}
		close(*cur.Load())
	}()
	for i := 1; i < n; i++ {
		go func(i int) {
			defer done.Done()
			ctxs[i].Gid = census.CurrentGID()
			ready.Done()
			for !stop.Load() {
				<-*cur.Load()
				if stop.Load() {
					break
				}
				t0 := executor.Nanotime()
				mu.Lock()
				waited[i] += clip(t0, executor.Nanotime())
				mu.Unlock()
			}
		}(i)
	}
	ready.Wait()
	time.Sleep(2 * (o.Hold + o.Gap)) // warm-up: a couple of cycles
	s := &census.Sampler{Budget: o.Budget, MinInterval: o.MinInterval, Workers: func() []*labelstore.Ctx { return ctxs }}
	start := executor.Nanotime()
	w0.Store(start)
	s.Start()
	time.Sleep(o.Duration)
	s.Stop()
	end := executor.Nanotime()
	w1.Store(end)
	stop.Store(true)
	finished := make(chan struct{})
	go func() { done.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(5*time.Second + 2*(o.Hold+o.Gap)):
	}
	sum := s.Summarize()
	window := float64(end - start)
	res := KnownResult{Samples: sum.Samples, IntervalS: sum.IntervalS, STWsTotal: sum.STWs, WindowS: window / 1e9,
		Waiters: o.Waiters, Gomaxprocs: runtime.GOMAXPROCS(0), GoVersion: runtime.Version()}
	var total int64
	for _, w := range waited {
		total += w
	}
	res.TruthShare = float64(total) / (window * float64(n))
	var share float64
	for _, b := range sum.BlockedPerSample {
		share += float64(b) / float64(n)
	}
	if sum.Samples > 0 {
		res.CensusShare = share / float64(sum.Samples)
	}
	hold, gap := o.Hold.Seconds(), o.Gap.Seconds()
	if hold+gap > 0 {
		res.AnalyticShare = float64(o.Waiters) / float64(n) * hold / (hold + gap)
	}
	return res
}
