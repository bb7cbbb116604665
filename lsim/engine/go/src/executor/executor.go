// Package executor runs one goroutine's plan against a store with the step contract of
// lsim/workload/steps.py and lsim/engine/executor.py:
//
//   - per goroutine, gid[series] (the id the last GetOrAddGlobalRefID/GetOrAddLink returned
//     for that series) and lastLocal (what the last GetLocalRefID returned);
//   - IF_NO_LOCAL runs a step only when lastLocal == 0; IF_LOCAL_CHANGED only when
//     lastLocal != 0 and lastLocal != the step's local id, passing lastLocal as the cached id;
//   - TrackStaleness: stale series carry the stale NaN, live ones 1.0, each with gid[series];
//   - a think step waits pause_ns; a pace step waits until the goroutine's next due time:
//     due every period since it started, the first at started + phase*period, and when it is
//     already past due it does not wait and counts a late batch. A wait is a select on a
//     timer channel and the run's stop channel, as Prometheus' scrapeLoop.run waits for its
//     next scrape (a dump shows the goroutine [select], not [sleep] in time.Sleep).
//
// Latency is measured around each store call, only for calls that start and end inside the
// measured window.
package executor

import (
	"sync"
	"sync/atomic"
	"time"

	"lsim/labels"
	"lsim/labelstore"
	"lsim/plan"
)

// Flags are the run-wide switches every worker reads before each step (atomic loads: a
// read-mostly cache line, no contention).
type Flags struct {
	Measuring atomic.Bool
	Stop      atomic.Bool
	// Done is closed by Halt (nil: never, as in the trace command, which does not wait).
	Done chan struct{}
	halt sync.Once
}

// Halt stops the run: workers end at their next step, and waiting ones wake now.
func (f *Flags) Halt() {
	f.Stop.Store(true)
	f.halt.Do(func() {
		if f.Done != nil {
			close(f.Done)
		}
	})
}

// Recorder is what one goroutine index measured in the window. In burst mode the same
// Recorder serves that index's goroutine of every iteration (as the Python engine does).
type Recorder struct {
	Hist  [plan.NumOps]*Hist // allocated on an operation's first call in the window
	Ops   uint64             // store calls completed in the window
	Paced uint64             // pace steps in the window
	Late  uint64             // of which started late (no sleep: the goroutine was behind)
	// SlowLock is the lock each operation's slowest call had announced last (wait_max_ns).
	SlowLock [plan.NumOps]int32
	_        [64]byte
}

// Env is what every executor of a run shares (read-only).
type Env struct {
	Store      labelstore.Store
	Series     []*labels.Labels
	Fresh      []bool // per Series position: a never-seen label set (plan.File.FreshSeries)
	Components []string
	Flags      *Flags
	// OnCall, when set (the trace command), sees every executed store call.
	OnCall func(op plan.Op, series, component int32, result uint64)
	// Sleep replaces time.Sleep (the trace command does not sleep).
	Sleep func(time.Duration)
}

// Executor is one goroutine's plan state.
type Executor struct {
	env       *Env
	Ctx       *labelstore.Ctx
	rec       *Recorder
	gid       map[int32]uint64
	lastLocal uint64
	started   int64 // monotonic ns when the goroutine started
	nextDue   int64 // 0 until the first pace step
	phase     float64
	trackers  []labelstore.StalenessTracker
	pass      int                      // how many times the loop was run before this pass
	renamed   map[int32]*labels.Labels // this pass's label sets of fresh series
	timer     *time.Timer              // for waits, made on the first one
	fan       *fanoutState             // directfanout only
	_         [64]byte                 // goroutines' executors are allocated side by side: no false sharing
}

// fanoutState is the directfanout contract's per-goroutine state (steps.py): gid is the
// ref the Fanout returned (what the scrape caches), mapping what the last GetMapping
// returned (nil: none), given the ref it was given, cell the refs used since the last
// TrackAppendedSeries.
type fanoutState struct {
	store   *labelstore.DirectFanoutService
	mapping []uint64
	given   uint64
	cell    []uint64
}

// New returns an executor for a goroutine that starts now.
func New(env *Env, ctx *labelstore.Ctx, rec *Recorder, phasePPB int64) *Executor {
	x := &Executor{env: env, Ctx: ctx, rec: rec, gid: map[int32]uint64{}, started: Nanotime(),
		phase: float64(phasePPB) / 1e9}
	if df, ok := env.Store.(*labelstore.DirectFanoutService); ok {
		x.fan = &fanoutState{store: df}
	}
	return x
}

// Run executes p; false when the run was stopped before its end.
func (x *Executor) Run(p plan.Plan) bool {
	flags := x.env.Flags
	for i := range p {
		if flags.Stop.Load() {
			return false
		}
		st := &p[i]
		if st.Op == plan.OpNone {
			x.think(st)
		} else {
			x.call(st)
		}
	}
	return true
}

// RunLoop runs the goroutine's loop until the run stops. A loop holds a bounded sample of
// an endless plan; on every pass after the first its new series get a new label set, so
// that a call which brought a never-seen series still brings one, as in the plan it samples.
func (x *Executor) RunLoop(loop plan.Plan) {
	for x.Run(loop) {
		x.pass++
		x.renamed = nil
	}
}

// labelsOf is the label set of the series at plan position pos in this pass.
func (x *Executor) labelsOf(pos int32) *labels.Labels {
	base := x.env.Series[pos]
	if x.pass == 0 || x.env.Fresh == nil || !x.env.Fresh[pos] {
		return base
	}
	if l, ok := x.renamed[pos]; ok {
		return l
	}
	if x.renamed == nil {
		x.renamed = map[int32]*labels.Labels{}
	}
	l := base.WithReplay(x.pass)
	x.renamed[pos] = l
	return l
}

func (x *Executor) think(st *plan.Step) {
	var delay int64
	if st.PaceNs > 0 {
		now := Nanotime()
		if x.nextDue == 0 {
			// Like Prometheus' scrape offsets, each target has its own phase in the
			// interval so that batches are spread out instead of arriving in lock-step.
			x.nextDue = x.started + int64(x.phase*float64(st.PaceNs))
		} else {
			x.nextDue += st.PaceNs
		}
		delay = x.nextDue - now
		if x.env.Flags.Measuring.Load() {
			x.rec.Paced++
			if delay <= 0 {
				x.rec.Late++
			}
		}
		if delay <= 0 {
			x.nextDue = now
			return
		}
	} else {
		delay = st.PauseNs
	}
	if delay > 0 {
		x.wait(time.Duration(delay))
	}
}

// wait blocks for d the way a scrape loop waits for its next scrape: in a select on a
// timer channel and the run's stop channel.
func (x *Executor) wait(d time.Duration) {
	if x.env.Sleep != nil {
		x.env.Sleep(d)
		return
	}
	if x.timer == nil {
		x.timer = time.NewTimer(d)
	} else {
		x.timer.Reset(d) // the last wait drained it (or it was stopped by a halt: no reuse)
	}
	select {
	case <-x.timer.C:
	case <-x.env.Flags.Done:
		x.timer.Stop()
	}
}

func (x *Executor) skipped(st *plan.Step) bool {
	switch st.Cond {
	case plan.IfNoMapping:
		return x.fan == nil || x.fan.mapping != nil
	case plan.IfMappingChanged:
		return x.fan == nil || x.fan.mapping == nil || labelstore.EqualRefs(x.fan.mapping, st.Refs)
	}
	last := x.lastLocal
	if st.Cond == plan.IfNoLocal {
		return last != 0
	}
	return last == 0 || last == st.LocalID // IfLocalChanged
}

func (x *Executor) gidOf(series int32) uint64 {
	if series < 0 {
		return 0
	}
	return x.gid[series]
}

func (x *Executor) call(st *plan.Step) {
	if st.Cond != plan.Always && x.skipped(st) {
		return
	}
	env, w := x.env, x.Ctx
	measuring := env.Flags.Measuring.Load()
	w.Measuring = measuring
	var t0 int64
	if measuring {
		t0 = Nanotime()
	}
	var result uint64
	s := env.Store
	switch st.Op {
	case plan.OpGetOrAddGlobalRefID:
		result = s.GetOrAddGlobalRefID(w, x.labelsOf(st.Series))
		x.gid[st.Series] = result
	case plan.OpGetLocalRefID:
		result = s.GetLocalRefID(w, env.Components[st.Component], x.gidOf(st.Series))
		x.lastLocal = result
	case plan.OpAddLocalLink:
		s.AddLocalLink(w, env.Components[st.Component], x.gidOf(st.Series), st.LocalID)
	case plan.OpReplaceLocalLink:
		s.ReplaceLocalLink(w, env.Components[st.Component], x.gidOf(st.Series), x.lastLocal, st.LocalID)
	case plan.OpGetOrAddLink:
		result = s.GetOrAddLink(w, env.Components[st.Component], st.LocalID, x.labelsOf(st.Series))
		x.gid[st.Series] = result
	case plan.OpTrackStaleness:
		s.TrackStaleness(w, x.buildTrackers(st))
	case plan.OpCheckAndRemoveStaleMarkers:
		result = uint64(s.CheckAndRemoveStaleMarkers(w, 0))
	case plan.OpCollect:
		s.Collect(w)
	default:
		result = x.fanoutCall(st, w)
	}
	if measuring && env.Flags.Measuring.Load() { // started and ended inside the window
		el := Nanotime() - t0
		h := x.rec.Hist[st.Op]
		if h == nil {
			h = new(Hist)
			x.rec.Hist[st.Op] = h
		}
		if el > h.MaxNs {
			x.rec.SlowLock[st.Op] = w.Lock
		}
		h.Record(el)
		x.rec.Ops++
	}
	if env.OnCall != nil {
		if st.Op == plan.OpCheckAndRemoveStaleMarkers {
			result = 0 // Alloy's method returns nothing; the trace prints 0 for it
		}
		env.OnCall(st.Op, st.Series, st.Component, result)
	}
}

// fanoutCall makes directfanout's call of st (steps.py) on the Fanout's own store.
func (x *Executor) fanoutCall(st *plan.Step, w *labelstore.Ctx) uint64 {
	f := x.fan
	if f == nil {
		return 0
	}
	m := f.store.Mapping(int(st.Component))
	switch st.Op {
	case plan.OpGetMapping:
		switch {
		case st.Given > 0:
			f.given = uint64(st.Given)
		case st.Given == plan.CachedRef:
			f.given = x.gid[st.Series]
		default:
			f.given = 0
		}
		f.mapping = m.GetMapping(w, f.given, x.env.Series[st.Series])
		if f.mapping != nil {
			f.cell = append(f.cell, f.given)
			x.gid[st.Series] = f.given
		}
		return uint64(len(f.mapping))
	case plan.OpCreateMapping:
		ref := m.CreateMapping(w, st.Refs, x.env.Series[st.Series])
		f.cell = append(f.cell, ref)
		x.gid[st.Series] = ref
		return ref
	case plan.OpUpdateMapping:
		m.UpdateMapping(w, f.given, st.Refs, x.env.Series[st.Series])
	case plan.OpTrackAppendedSeries:
		n := len(f.cell)
		m.TrackAppendedSeries(w, m.Now(), f.cell)
		f.cell = f.cell[:0] // the store keeps no reference to it
		return uint64(n)
	case plan.OpCleanupStaleRefs:
		return uint64(m.CleanupTick(w, 0))
	}
	return 0
}

// buildTrackers reuses one slice per goroutine: the store does not keep it.
func (x *Executor) buildTrackers(st *plan.Step) []labelstore.StalenessTracker {
	t := x.trackers[:0]
	for _, s := range st.Stale() {
		t = append(t, labelstore.StalenessTracker{GlobalRefID: x.gidOf(s), Value: labelstore.StaleNaN, Labels: x.labelsOf(s)})
	}
	for _, s := range st.Live() {
		t = append(t, labelstore.StalenessTracker{GlobalRefID: x.gidOf(s), Value: 1.0, Labels: x.labelsOf(s)})
	}
	x.trackers = t
	return t
}

var epoch = time.Now()

// Nanotime is a monotonic clock in ns, never 0.
func Nanotime() int64 { return int64(time.Since(epoch)) + 1 }
