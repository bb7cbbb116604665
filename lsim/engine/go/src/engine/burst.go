package engine

import (
	"sync"
	"time"

	"lsim/census"
	"lsim/executor"
	"lsim/plan"
)

// burst runs each iteration as Alloy's BenchmarkHighContention does: G fresh goroutines
// started at once, each with its plan for the iteration, and a WaitGroup.Wait. The whole
// run is the measured window; iterations_ns records each iteration's wall time.
func (r *run) burst() {
	pf := r.pf
	wantID := r.opt.Census
	done := make(chan struct{})
	defer close(done)
	r.watchInterrupt(done)
	r.windowStart()
	for it, plans := range pf.Burst {
		if r.interrupted.Load() {
			break
		}
		var wg sync.WaitGroup
		wg.Add(len(plans))
		t0 := time.Now()
		for g := range plans {
			r.spawnBurst(g, plans[g], wantID, &wg)
		}
		if spawn := time.Since(t0).Seconds(); spawn > r.res.StartS {
			r.res.StartS = spawn // the slowest spawn loop of any iteration
		}
		wg.Wait()
		r.res.Iterations = append(r.res.Iterations, time.Since(t0).Nanoseconds())
		r.opt.Progress.Phase("measuring", float64(it+1)/float64(len(pf.Burst)))
	}
	r.windowEnd()
	r.flags.Halt()
}

// spawnBurst starts worker g of an iteration (see spawnSteady).
func (r *run) spawnBurst(g int, p plan.Plan, wantID bool, wg *sync.WaitGroup) {
	go func() {
		defer wg.Done()
		ctx := r.ctxs[g]
		if wantID {
			ctx.Gid = census.CurrentGID()
		}
		executor.New(r.env, ctx, r.recs[g], 0).Run(p)
	}()
}

// watchInterrupt: Ctrl-C stops the goroutines at their next step, keeping what was measured.
func (r *run) watchInterrupt(done <-chan struct{}) {
	go func() {
		select {
		case <-r.opt.Interrupt:
			r.interrupted.Store(true)
			r.flags.Halt()
		case <-done:
		}
	}()
}
