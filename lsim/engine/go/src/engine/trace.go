package engine

import (
	"bufio"
	"fmt"
	"io"
	"sort"
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
func Trace(pf *plan.File, out io.Writer) error {
	store, err := NewStore(pf)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(out)
	env := &executor.Env{Store: store, Series: pf.Series, Components: pf.Components, Flags: &executor.Flags{},
		Sleep: func(time.Duration) {}}
	env.OnCall = func(op plan.Op, series, component int32, result uint64) {
		s := int64(-1)
		if series >= 0 {
			s = pf.SeriesIndex[series]
		}
		fmt.Fprintf(bw, "%s %d %d %d\n", plan.OpNames[op], s, component, result)
	}
	runOne := func(phase int64, plans ...plan.Plan) {
		x := executor.New(env, labelstore.NewCtx(), &executor.Recorder{}, phase)
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
