package engine

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"lsim/executor"
	"lsim/labelstore"
	"lsim/plan"
)

// Trace runs the setup plan, then every goroutine's prefix and loop plans once (steady) or iteration 0's
// plans (burst), one goroutine after the other on the calling goroutine (deterministic, no
// sleeping), and writes one line per executed store call (skipped conditional steps print
// nothing), then the store's final counts:
//
//	<Op> <series> <component> <result>
//	collect <global_ids> <component>=<n> ...   (components sorted by name)
//	collisions <n>
//
// series is the plan file's series index (-1: none), component the header's component
// index (-1: none), result the returned id (GetLocalRefID: the local id) or 0 for calls that
// return nothing (CheckAndRemoveStaleMarkers included). Each goroutine gets a fresh executor
// (its own gid map and last_local), as it would in a run.
//
// With locks, each call line ends with the locks the call acquired, as
// " locks=<name>:<W|R><count>,..." sorted by name (W: exclusive, R: read side; nothing
// after "=" for a call that took none), from the stores' own acquisition counters. A
// sync.Map's internal lock is taken inside the standard library and is not counted.
func Trace(pf *plan.File, out io.Writer, locks bool) error {
	store, err := NewStore(pf)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(out)
	env := &executor.Env{Store: store, Series: pf.Series, Components: pf.Components, Flags: &executor.Flags{},
		Sleep: func(time.Duration) {}}
	var ctx *labelstore.Ctx // the executor running now
	var before map[string]uint64
	if locks {
		env.Flags.Measuring.Store(true) // the stores count acquisitions only while measuring
	}
	env.OnCall = func(op plan.Op, series, component int32, result uint64) {
		s := int64(-1)
		if series >= 0 {
			s = pf.SeriesIndex[series]
		}
		fmt.Fprintf(bw, "%s %d %d %d", plan.OpNames[op], s, component, result)
		if locks {
			now := lockCounts(store, ctx)
			fmt.Fprintf(bw, " locks=%s", countsTaken(before, now))
			before = now
		}
		fmt.Fprintln(bw)
	}
	runOne := func(phase int64, plans ...plan.Plan) {
		ctx = labelstore.NewCtx()
		before = lockCounts(store, ctx)
		x := executor.New(env, ctx, &executor.Recorder{}, phase)
		for _, p := range plans {
			x.Run(p)
		}
	}
	runOne(0, pf.Setup)
	if pf.Mode == "steady" {
		// The prefix, then the loop once, on one executor: a static plan's prefix is often
		// empty (its first cycle is the loop), and the loop is where a run spends its time.
		for _, g := range pf.Steady {
			runOne(g.PhasePPB, g.Prefix, g.Loop)
		}
	} else if len(pf.Burst) > 0 {
		for _, p := range pf.Burst[0] {
			runOne(0, p)
		}
	}
	c := store.Collect(labelstore.NewCtx())
	names := make([]string, 0, len(c.PerComponent))
	for n := range c.PerComponent {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(bw, "collect %d", c.GlobalIDs)
	for _, n := range names {
		fmt.Fprintf(bw, " %s=%d", n, c.PerComponent[n])
	}
	fmt.Fprintf(bw, "\ncollisions %d\n", store.Collisions())
	return bw.Flush()
}

// lockCounts maps "<lock name>:W" to the store's exclusive acquisitions of that lock and
// "<lock name>:R" to ctx's read-side ones (read counts are kept per goroutine).
func lockCounts(store labelstore.Store, ctx *labelstore.Ctx) map[string]uint64 {
	out := map[string]uint64{}
	for i, info := range store.Locks() {
		if info.SyncMap {
			continue
		}
		out[info.Name+":W"] = store.Counts()[i].Acquisitions
		if info.Kind == "rwmutex" {
			acq, _, _ := ctx.ReadCounts(info.ID)
			out[info.Name+":R"] = acq
		}
	}
	return out
}

// countsTaken formats what changed from before to now: name:<mode><delta>, sorted by name.
func countsTaken(before, now map[string]uint64) string {
	keys := make([]string, 0, len(now))
	for k, n := range now {
		if n != before[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		name, mode := k[:len(k)-2], k[len(k)-1:]
		parts[i] = fmt.Sprintf("%s:%s%d", name, mode, now[k]-before[k])
	}
	return strings.Join(parts, ",")
}
