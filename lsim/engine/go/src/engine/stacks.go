package engine

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"lsim/census"
	"lsim/labels"
	"lsim/labelstore"
	"lsim/plan"
)

// ProbeStacks captures, for every operation the plan uses, the real Go frames from the
// store method down to the frame that calls the lock, outermost first, as a goroutine dump
// shows them while the operation waits. It runs before any worker starts, on a throwaway
// store of the same design: every lock is held (ProbeHold), one goroutine calls the
// operation, runtime.Stack(all) (cheap with a handful of goroutines) is polled until that
// goroutine is queued on a lock, and the labelstore frames of its record are the answer.
// An operation that never waits on a lock in this design (lockfree) gets its method's
// frame only, at its first sync.Map call (or its declaration).
func ProbeStacks(pf *plan.File) map[string][][2]string {
	out := map[string][][2]string{}
	ops := usedOps(pf)
	if len(ops) == 0 {
		return out
	}
	store, err := NewStore(pf)
	if err != nil {
		return out
	}
	w := labelstore.NewCtx()
	l := probeLabels(pf)
	comps := pf.Components
	if len(comps) == 0 {
		comps = []string{"component_0"}
	}
	g := store.GetOrAddGlobalRefID(w, l)
	for _, c := range comps {
		store.AddLocalLink(w, c, g, 1)
	}
	store.TrackStaleness(w, []labelstore.StalenessTracker{{GlobalRefID: g, Value: labelstore.StaleNaN, Labels: l}})
	call := func(op plan.Op, w *labelstore.Ctx) {
		switch op {
		case plan.OpGetOrAddGlobalRefID:
			store.GetOrAddGlobalRefID(w, l)
		case plan.OpGetLocalRefID:
			store.GetLocalRefID(w, comps[0], g)
		case plan.OpAddLocalLink:
			store.AddLocalLink(w, comps[0], g, 2)
		case plan.OpReplaceLocalLink:
			store.ReplaceLocalLink(w, comps[0], g, 1, 3)
		case plan.OpGetOrAddLink:
			store.GetOrAddLink(w, comps[0], 4, l)
		case plan.OpTrackStaleness:
			store.TrackStaleness(w, []labelstore.StalenessTracker{{GlobalRefID: g, Value: 1, Labels: l}})
		case plan.OpCheckAndRemoveStaleMarkers:
			store.CheckAndRemoveStaleMarkers(w, 0)
		case plan.OpCollect:
			store.Collect(w)
		default: // directfanout's calls, on Fanout 0's own store
			df, ok := store.(*labelstore.DirectFanoutService)
			if !ok {
				return
			}
			m := df.Mapping(0)
			switch op {
			case plan.OpGetMapping:
				m.GetMapping(w, 0, l)
			case plan.OpCreateMapping:
				m.CreateMapping(w, []uint64{1, 2}, l)
			case plan.OpUpdateMapping:
				m.UpdateMapping(w, 1, []uint64{1, 3}, l)
			case plan.OpTrackAppendedSeries:
				m.TrackAppendedSeries(w, 0, []uint64{1})
			case plan.OpCleanupStaleRefs:
				m.CleanupTick(w, 0)
			}
		}
	}
	for _, op := range ops {
		frames := probeOne(store, func(w *labelstore.Ctx) { call(op, w) })
		if frames == nil {
			frames = fallbackFrames(store, op)
		}
		out[plan.OpNames[op]] = frames
	}
	return out
}

func usedOps(pf *plan.File) []plan.Op {
	var seen [plan.NumOps]bool
	mark := func(p plan.Plan) {
		for i := range p {
			seen[p[i].Op] = true
		}
	}
	for _, g := range pf.Steady {
		mark(g.Prefix)
		mark(g.Loop)
	}
	for _, it := range pf.Burst {
		for _, p := range it {
			mark(p)
		}
	}
	var ops []plan.Op
	for op := plan.Op(1); op < plan.NumOps; op++ {
		if seen[op] {
			ops = append(ops, op)
		}
	}
	return ops
}

func probeLabels(pf *plan.File) *labels.Labels {
	if len(pf.Series) > 0 && !pf.Series[0].IsEmpty() {
		return pf.Series[0]
	}
	l, _ := labels.New([][2]string{{"__name__", "lsim_probe"}})
	return l
}

// probeOne returns the waiting goroutine's store frames, or nil if it never waited.
func probeOne(store labelstore.Store, op func(*labelstore.Ctx)) [][2]string {
	store.ProbeHold()
	gid := make(chan int64, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		gid <- census.CurrentGID()
		op(labelstore.NewCtx())
	}()
	id := <-gid
	var frames [][2]string
	buf := make([]byte, 1<<16)
	deadline := time.Now().Add(250 * time.Millisecond)
poll:
	for time.Now().Before(deadline) {
		select {
		case <-done:
			break poll
		default:
		}
		n := runtime.Stack(buf, true)
		for n == len(buf) {
			buf = make([]byte, 2*len(buf))
			n = runtime.Stack(buf, true)
		}
		for _, rec := range census.ParseDump(buf[:n]) {
			if rec.ID != id {
				continue
			}
			rec := rec
			if c := (*census.Locks)(nil).Classify(&rec, -1); census.IsBlocked(c.State) {
				frames = storeFrames(rec.Frames)
				break poll
			}
		}
		time.Sleep(time.Millisecond)
	}
	store.ProbeRelease()
	<-done
	return frames
}

// storeFrames keeps the lsim/labelstore frames (innermost first in a dump), outermost first.
func storeFrames(fs []census.Frame) [][2]string {
	first, last := -1, -1
	for i, f := range fs {
		if strings.HasPrefix(f.Func, labelstore.PackagePath+".") {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil
	}
	var out [][2]string
	for i := last; i >= first; i-- {
		out = append(out, [2]string{fs[i].Func, fs[i].File + ":" + strconv.Itoa(fs[i].Line)})
	}
	return out
}

func fallbackFrames(store labelstore.Store, op plan.Op) [][2]string {
	typ := strings.TrimPrefix(fmt.Sprintf("%T", store), "*labelstore.")
	fn := labelstore.PackagePath + ".(*" + typ + ")." + plan.OpNames[op]
	site, ok := labelstore.FirstSite(fn)
	if !ok {
		site, ok = labelstore.FuncDecl(fn)
	}
	if !ok {
		return [][2]string{}
	}
	return [][2]string{{fn, site.File + ":" + strconv.Itoa(site.Line)}}
}
