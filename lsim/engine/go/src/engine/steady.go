package engine

import (
	"sync/atomic"
	"time"

	"lsim/census"
	"lsim/executor"
)

// steady starts every worker as fast as it can (one go statement each; a worker learns its
// goroutine id only in the census run), waits until all run, warms up, measures, and stops.
// It never waits for a worker in a long pace sleep: after the window the result is written
// and the process exits.
func (r *run) steady() {
	pf := r.pf
	var started, finished atomic.Int64
	wantID := r.opt.Census
	t0 := time.Now()
	r.opt.Progress.Phase("starting", 0)
	for g := range pf.Steady {
		r.spawnSteady(g, wantID, &started, &finished)
	}
	last := time.Now()
	for started.Load() < int64(pf.Goroutines) {
		if r.interruptedNow() {
			break
		}
		time.Sleep(time.Millisecond)
		if time.Since(last) > 200*time.Millisecond {
			r.opt.Progress.Phase("starting", float64(started.Load())/float64(pf.Goroutines))
			last = time.Now()
		}
	}
	r.res.StartS = time.Since(t0).Seconds()
	if !r.interrupted.Load() {
		r.waitOrInterrupt(time.Duration(pf.WarmupS*1e9), "warmup", false)
	}
	r.windowStart()
	if !r.interrupted.Load() {
		r.waitOrInterrupt(time.Duration(pf.DurationS*1e9), "measuring", true)
	}
	r.windowEnd()
	r.flags.Halt()
	// Workers record nothing once Measuring is off; waiting for those that are not asleep
	// (or queued) gives the final reads a happens-before edge, and no more.
	deadline := time.Now().Add(100 * time.Millisecond)
	for finished.Load() < started.Load() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// spawnSteady starts worker g. Workers are started only here, so their records in a dump
// say "created by lsim/engine.(*run).spawnSteady" (how the census recognises a worker that
// has not run its first statement yet).
func (r *run) spawnSteady(g int, wantID bool, started, finished *atomic.Int64) {
	pf := r.pf
	go func() {
		ctx := r.ctxs[g]
		if wantID {
			ctx.Gid = census.CurrentGID()
		}
		x := executor.New(r.env, ctx, r.recs[g], pf.Steady[g].PhasePPB)
		started.Add(1)
		defer finished.Add(1)
		if !x.Run(pf.Steady[g].Prefix) {
			return
		}
		loop := pf.Steady[g].Loop
		if len(loop) == 0 {
			return
		}
		x.RunLoop(loop)
	}()
}
