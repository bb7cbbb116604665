package executor

import (
	"testing"

	"lsim/labels"
	"lsim/labelstore"
	"lsim/plan"
)

// A replayed loop must keep bringing new series where the plan it samples does: the
// fresh series' GetOrAddGlobalRefID gets a new id on every pass, the known one never.
func TestReplayedLoopKeepsNewSeriesNew(t *testing.T) {
	store, err := labelstore.New("mutex", labelstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	known, _ := labels.New([][2]string{{"job", "a"}})
	fresh, _ := labels.New([][2]string{{"job", "b"}})
	env := &Env{Store: store, Series: []*labels.Labels{known, fresh}, Fresh: []bool{false, true},
		Components: []string{"c"}, Flags: &Flags{}}
	ids := map[int32][]uint64{}
	env.OnCall = func(op plan.Op, series, _ int32, result uint64) {
		ids[series] = append(ids[series], result)
		if series == 1 && len(ids[1]) == 3 {
			env.Flags.Stop.Store(true)
		}
	}
	loop := plan.Plan{
		{Op: plan.OpGetOrAddGlobalRefID, Series: 0, Component: -1},
		{Op: plan.OpGetOrAddGlobalRefID, Series: 1, Component: -1},
	}
	x := New(env, labelstore.NewCtx(), &Recorder{}, 0)
	x.RunLoop(loop)
	if x.pass < 2 {
		t.Fatalf("ran %d passes, want >= 2", x.pass)
	}
	k, f := ids[0], ids[1]
	if k[0] != k[1] || k[1] != k[2] {
		t.Errorf("known series changed id across passes: %v", k)
	}
	if f[0] == f[1] || f[1] == f[2] || f[0] == f[2] {
		t.Errorf("fresh series kept an id across passes: %v", f)
	}
}
