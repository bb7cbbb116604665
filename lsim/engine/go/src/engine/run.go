// Package engine runs a plan file on real goroutines: the setup plan, then G workers
// (steady: started once, a warm-up, then the measured window; burst: G fresh goroutines per
// iteration, the whole run being the window), and assembles the result. With the census on
// it also samples goroutine dumps and turns on the block and mutex profiles for the window
// only; without it both profile rates are 0 (the clean run).
package engine

import (
	"os"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"lsim/census"
	"lsim/executor"
	"lsim/labelstore"
	"lsim/machine"
	"lsim/plan"
)

// Options are the run command's switches.
type Options struct {
	Census    bool
	Progress  *Progress
	Interrupt <-chan os.Signal // SIGINT: end the window early, still print the result
	PlanReadS float64          // how long reading the plan file took (reported)
	// PprofDir, with Census: write the window's real profiles there (WriteProfiles).
	PprofDir string
}

// run is one experiment in progress.
type run struct {
	pf          *plan.File
	opt         Options
	store       labelstore.Store
	env         *executor.Env
	flags       executor.Flags
	ctxs        []*labelstore.Ctx
	recs        []*executor.Recorder
	sampler     *census.Sampler
	words       *census.WordSampler
	workers     atomic.Pointer[[]*labelstore.Ctx]
	res         *Result
	blockPre    *census.Profile
	mutexPre    *census.Profile
	blockWin    *census.Profile
	mutexWin    *census.Profile
	m0, m1      machine.Snapshot
	sched0      *metrics.Float64Histogram
	w0          time.Time
	interrupted atomic.Bool
}

// isWorker recognises the worker goroutines of steady and burst runs by their creator.
func isWorker(createdBy string) bool {
	return createdBy == "lsim/engine.(*run).spawnSteady" || createdBy == "lsim/engine.(*run).spawnBurst"
}

// NewStore builds the plan's store.
func NewStore(pf *plan.File) (labelstore.Store, error) {
	return labelstore.New(pf.Design, labelstore.Config{
		Layout:        pf.Layout,
		StaleDuration: time.Duration(pf.StaleDurationS * 1e9),
		Shards:        pf.Shards,
		Fanouts:       pf.Fanouts,
	})
}

// Run executes the plan and returns its result.
func Run(pf *plan.File, opt Options) (*Result, error) {
	runtime.GOMAXPROCS(pf.Gomaxprocs)
	runtime.SetBlockProfileRate(0)
	runtime.SetMutexProfileFraction(0)
	store, err := NewStore(pf)
	if err != nil {
		return nil, err
	}
	r := &run{pf: pf, opt: opt, store: store}
	r.res = &Result{
		GoVersion: runtime.Version(), Gomaxprocs: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		Goroutines: pf.Goroutines, Mode: pf.Mode, Design: pf.Design, Shards: pf.Shards, Seed: pf.Seed.String(),
		CensusRun: opt.Census, PlanReadS: opt.PlanReadS, PlanSteps: pf.Steps, Operations: map[string]OpResult{},
		Precision:  "latency percentiles: log-linear histogram, 1/64 relative error",
		Iterations: []int64{}, Rep: []census.RepGoroutine{}, Locks: []*census.LockReport{}, Notes: []string{},
	}
	r.flags.Done = make(chan struct{})
	r.env = &executor.Env{Store: store, Series: pf.Series, Fresh: pf.FreshSeries(), Components: pf.Components, Flags: &r.flags}
	r.ctxs = make([]*labelstore.Ctx, pf.Goroutines)
	r.recs = make([]*executor.Recorder, pf.Goroutines)
	for i := range r.ctxs {
		r.ctxs[i] = labelstore.NewCtx()
		r.recs[i] = &executor.Recorder{}
	}
	r.workers.Store(&r.ctxs)

	opt.Progress.Phase("setup", -1)
	setup := executor.New(r.env, labelstore.NewCtx(), &executor.Recorder{}, 0)
	setup.Run(pf.Setup)
	r.res.Stacks = ProbeStacks(pf)
	runtime.GC() // start with the plan's garbage gone, not collected in the window

	if pf.Mode == "steady" {
		r.steady()
	} else {
		r.burst()
	}
	r.finish()
	return r.res, nil
}

// windowStart turns the profiles and the sampler on and starts measuring.
func (r *run) windowStart() {
	if r.opt.Census {
		runtime.SetBlockProfileRate(1)
		runtime.SetMutexProfileFraction(1)
		var err error
		if r.blockPre, err = census.ReadProfile("block"); err != nil {
			r.res.Notes = append(r.res.Notes, "reading the block profile failed: "+err.Error())
		}
		if r.mutexPre, err = census.ReadProfile("mutex"); err != nil {
			r.res.Notes = append(r.res.Notes, "reading the mutex profile failed: "+err.Error())
		}
		r.sampler = &census.Sampler{
			Budget:      r.pf.CensusBudget,
			MinInterval: time.Duration(r.pf.CensusMinIntervalS * 1e9),
			Workers:     func() []*labelstore.Ctx { return *r.workers.Load() },
			IsWorker:    isWorker,
		}
	}
	// The lock words are read without stopping the world (census/words.go), in both runs,
	// but not at GOMAXPROCS 1: there the sampler's timer readies it into the only P's
	// runnext every 200 us, which sends the goroutine that was there to the back of the
	// local queue. In a starvation hand-off chain (each new owner runs from runnext) that
	// lets the yielded unlockers run and park again, so the chain never ends: a runtime
	// trace of the fidelity cell mix0-2k on one mutex read 190,000 hand-offs a second and
	// 2.2-2.5 M calls/s with the sampler, whole chains of 2,000 and 8.2-8.4 M calls/s
	// without (Go 1.19.8, 2 runs each).
	if runtime.GOMAXPROCS(0) > 1 {
		r.words = &census.WordSampler{Interval: wordInterval, Locks: r.store.Locks()}
	}
	r.m0 = machine.Take()
	r.sched0 = census.ReadSchedLatency()
	r.flags.Measuring.Store(true)
	r.w0 = time.Now()
	if r.words != nil {
		r.words.Start()
	}
	if r.sampler != nil {
		r.sampler.Start()
	}
}

// wordInterval spaces the lock-word samples: 5,000 a second cost the run one goroutine
// wake-up each (about 1 us), 0.5% of one P.
const wordInterval = 200 * time.Microsecond

// windowEnd stops measuring, the sampler and the profiles.
func (r *run) windowEnd() {
	r.flags.Measuring.Store(false)
	r.res.WindowS = time.Since(r.w0).Seconds()
	r.m1 = machine.Take()
	r.res.SchedLat = census.SchedLatencyBetween(r.sched0, census.ReadSchedLatency())
	r.res.LockWords = r.words.Stop()
	if r.words == nil {
		r.res.LockWords.Skipped = "not read at GOMAXPROCS 1: the sampler's timer would " +
			"displace runnext and change the convoy (PROTOCOL.md, lock_words)"
	}
	if r.sampler != nil {
		r.sampler.Stop()
	}
	if r.opt.Census {
		b, errB := census.ReadProfile("block")
		m, errM := census.ReadProfile("mutex")
		if r.opt.PprofDir != "" {
			// before the rates go to 0: the mutex profile is scaled by the fraction in force
			if err := WriteProfiles(r.opt.PprofDir); err != nil {
				r.res.Notes = append(r.res.Notes, "writing the profiles failed: "+err.Error())
			}
		}
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
		for _, err := range []error{errB, errM} {
			if err != nil {
				r.res.Notes = append(r.res.Notes, "reading a profile failed: "+err.Error())
			}
		}
		if b != nil {
			r.blockWin = b.Since(r.blockPre)
		}
		if m != nil {
			r.mutexWin = m.Since(r.mutexPre)
		}
	}
	r.res.Machine = machine.Between(r.m0, r.m1)
}

// waitOrInterrupt sleeps d (reporting progress every 200 ms as phase); false if
// interrupted.
func (r *run) waitOrInterrupt(d time.Duration, phase string, withDone bool) bool {
	end := time.Now().Add(d)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	if !withDone {
		r.opt.Progress.Phase(phase, -1)
	}
	for {
		left := time.Until(end)
		if left <= 0 {
			return true
		}
		timer := time.NewTimer(left)
		select {
		case <-r.opt.Interrupt:
			timer.Stop()
			r.interrupted.Store(true)
			return false
		case <-tick.C:
			timer.Stop()
			if withDone {
				r.opt.Progress.Phase(phase, 1-left.Seconds()/d.Seconds())
			}
		case <-timer.C:
			return true
		}
	}
}

func (r *run) interruptedNow() bool {
	select {
	case <-r.opt.Interrupt:
		r.interrupted.Store(true)
	default:
	}
	return r.interrupted.Load()
}
