package engine

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lsim/labels"
	"lsim/labelstore"
	"lsim/plan"
)

// A small plan built in memory: series 0..n-1, setup = GetOrAdd + link for the first half.
func testPlan(t *testing.T, design string, shards, goroutines int, mode string) *plan.File {
	t.Helper()
	pf := &plan.File{Header: plan.Header{Design: design, Shards: shards, Layout: "stringlabels",
		Components: []string{"component_0", "component_1"}, Goroutines: goroutines, Gomaxprocs: 2, Mode: mode,
		WarmupS: 0.05, DurationS: 0.3, Iterations: 3, CensusBudget: 0.2, CensusMinIntervalS: 0.01,
		StaleDurationS: 600, Seed: "1"}}
	const n = 64
	for i := 0; i < n; i++ {
		l, err := labels.New([][2]string{{"__name__", "m"}, {"i", fmt.Sprint(i)}})
		if err != nil {
			t.Fatal(err)
		}
		pf.Series = append(pf.Series, l)
		pf.SeriesIndex = append(pf.SeriesIndex, int64(i*10))
	}
	for i := 0; i < n/2; i++ {
		pf.Setup = append(pf.Setup, plan.Step{Op: plan.OpGetOrAddGlobalRefID, Series: int32(i), Component: -1},
			plan.Step{Op: plan.OpAddLocalLink, Series: int32(i), Component: 0, LocalID: uint64(i*100 + 0)})
	}
	cycle := func(g int, gen uint64) plan.Plan {
		var p plan.Plan
		for j := 0; j < 4; j++ {
			s := int32((g*4 + j) % n)
			local := uint64(int(s)*100) + gen<<44
			p = append(p,
				plan.Step{Op: plan.OpGetOrAddGlobalRefID, Series: s, Component: -1},
				plan.Step{Op: plan.OpGetLocalRefID, Series: s, Component: 0},
				plan.Step{Op: plan.OpAddLocalLink, Series: s, Component: 0, LocalID: local, Cond: plan.IfNoLocal},
				plan.Step{Op: plan.OpReplaceLocalLink, Series: s, Component: 0, LocalID: local, Cond: plan.IfLocalChanged})
		}
		p = append(p, plan.Step{Op: plan.OpTrackStaleness, Series: -1, Component: -1, Lists: []int32{int32(g % n)}})
		if g == 0 {
			p = append(p, plan.Step{Op: plan.OpCollect, Series: -1, Component: -1})
		}
		return p
	}
	if mode == "steady" {
		for g := 0; g < goroutines; g++ {
			loop := append(cycle(g, 1), plan.Step{Op: plan.OpNone, Series: -1, Component: -1, PaceNs: 2e6})
			pf.Steady = append(pf.Steady, plan.Goroutine{PhasePPB: int64(g) * 7919 % 1e9, Prefix: cycle(g, 0), Loop: loop})
		}
	} else {
		for it := 0; it < pf.Iterations; it++ {
			var its []plan.Plan
			for g := 0; g < goroutines; g++ {
				its = append(its, cycle(g, uint64(it)))
			}
			pf.Burst = append(pf.Burst, its)
		}
	}
	return pf
}

func skipCensusUnderRace(t *testing.T) {
	if raceEnabled {
		t.Skip("the census reads worker slots with deliberately racy loads")
	}
}

func TestSteadyRunWithCensus(t *testing.T) {
	skipCensusUnderRace(t)
	pf := testPlan(t, "mutex", 0, 200, "steady")
	var progress bytes.Buffer
	dir := t.TempDir()
	res, err := Run(pf, Options{Census: true, Progress: NewProgress(&progress), PprofDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	checkProfiles(t, dir)
	if res.WindowS < 0.29 || res.Operations["GetOrAddGlobalRefID"].Count == 0 || len(res.ThreadOps) != 200 {
		t.Fatalf("window %v ops %+v", res.WindowS, res.Operations)
	}
	if res.Census.Samples == 0 || res.Dump == "" || len(res.Rep) == 0 || len(res.Census.Cells) == 0 {
		t.Fatalf("census %+v", res.Census)
	}
	if len(res.Locks) != 1 || res.Locks[0].Name != "labelstore.Service.mut" || res.Locks[0].Acquisitions == 0 {
		t.Fatalf("locks %+v", res.Locks)
	}
	if res.Pace.Steps == 0 || res.Store.GlobalIDs != 64 || res.Store.Collisions != 0 {
		t.Fatalf("pace %+v store %+v", res.Pace, res.Store)
	}
	fr := res.Stacks["GetOrAddGlobalRefID"]
	if len(fr) != 1 || fr[0][0] != "lsim/labelstore.(*Service).GetOrAddGlobalRefID" || !strings.HasPrefix(fr[0][1], "service.go:") {
		t.Fatalf("stacks %v", res.Stacks)
	}
	for _, phase := range []string{`"phase":"starting"`, `"phase":"warmup"`, `"phase":"measuring"`} {
		if !strings.Contains(progress.String(), phase) {
			t.Errorf("no %s in progress:\n%s", phase, progress.String())
		}
	}
	if _, err := json.Marshal(res); err != nil {
		t.Fatal(err)
	}
	var seen int
	for _, r := range res.Rep {
		if r.Goroutine < 1 || r.Goroutine > 200 {
			t.Fatalf("representative goroutine %d", r.Goroutine)
		}
		seen++
	}
	if seen != res.Census.ObservedPerSample[res.Census.Representative] {
		t.Fatalf("representative has %d goroutines, its sample observed %d", seen, res.Census.ObservedPerSample[res.Census.Representative])
	}
}

func TestCleanRunHasNoCensus(t *testing.T) {
	pf := testPlan(t, "sharded", 8, 50, "steady") // no sampler: runs under -race too
	pf.DurationS = 0.15
	res, err := Run(pf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Census.Samples != 0 || res.Dump != "" || res.Block.Events != 0 || res.CensusRun {
		t.Fatalf("clean run sampled: %+v", res.Census)
	}
	if len(res.Locks) == 0 || !strings.HasPrefix(res.Locks[0].Name, "labelstore.shard[0") {
		t.Fatalf("locks %+v", res.Locks)
	}
	if fr := res.Stacks["GetLocalRefID"]; len(fr) != 2 || !strings.Contains(fr[0][0], "ShardedService") {
		t.Fatalf("sharded stacks %v", res.Stacks)
	}
}

func TestBurstRun(t *testing.T) {
	skipCensusUnderRace(t)
	pf := testPlan(t, "rwmutex", 0, 300, "burst")
	res, err := Run(pf, Options{Census: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Iterations) != 3 || res.Operations["GetLocalRefID"].Count != 3*300*4 {
		t.Fatalf("iterations %v ops %+v", res.Iterations, res.Operations)
	}
	modes := map[string]bool{}
	for _, l := range res.Locks {
		modes[l.Name+"/"+l.Mode] = true
	}
	if !modes["labelstore.Service.mut/write"] || !modes["labelstore.Service.mut/read"] {
		t.Fatalf("locks %+v", res.Locks)
	}
}

func TestProbeStacksEveryDesign(t *testing.T) {
	want := map[string]string{ // design -> innermost frame's function of GetLocalRefID
		"mutex": "(*Service).GetLocalRefID", "rwmutex": "(*RWMutexService).GetLocalRefID",
		"finegrained": "(*FineGrainedService).GetLocalRefID", "sharded": "(*Service).GetLocalRefID",
		"syncmap": "(*SyncMapService).GetLocalRefID", "percomponent": "(*remoteWriteMapping).getLocalRefID",
		"lockfree": "(*LockFreeService).GetLocalRefID",
	}
	sites := labelstore.CallSites()
	for design, inner := range want {
		shards := 0
		if design == "sharded" {
			shards = 4
		}
		pf := testPlan(t, design, shards, 2, "steady")
		stacks := ProbeStacks(pf)
		for _, op := range []string{"GetOrAddGlobalRefID", "GetLocalRefID", "AddLocalLink", "ReplaceLocalLink", "TrackStaleness", "Collect"} {
			fr := stacks[op]
			if len(fr) == 0 {
				t.Fatalf("%s: no frames for %s", design, op)
			}
			last := fr[len(fr)-1]
			if design != "lockfree" {
				if s, ok := sites[last[1]]; !ok || !labelstore.LockMethods[s.Method] {
					t.Errorf("%s %s: innermost frame %v is no lock call", design, op, last)
				}
			}
		}
		got := stacks["GetLocalRefID"]
		if !strings.HasSuffix(got[len(got)-1][0], inner) {
			t.Errorf("%s: GetLocalRefID frames %v", design, got)
		}
	}
}

func TestTraceFormat(t *testing.T) {
	pf := testPlan(t, "mutex", 0, 2, "steady")
	var out bytes.Buffer
	if err := Trace(pf, &out, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if lines[0] != "GetOrAddGlobalRefID 0 -1 1" || lines[1] != "AddLocalLink 0 0 0" {
		t.Fatalf("first lines %q", lines[:2])
	}
	// goroutine 0's first cycle: series 0 is linked (local 0) -> GetLocal returns 0, so the
	// Add runs; the local id of series 0 is 0, so Replace is skipped.
	if lines[64] != "GetOrAddGlobalRefID 0 -1 1" || lines[65] != "GetLocalRefID 0 0 0" || lines[66] != "AddLocalLink 0 0 0" {
		t.Fatalf("goroutine 0: %q", lines[64:68])
	}
	if lines[len(lines)-2] != "collect 32 component_0=32" || lines[len(lines)-1] != "collisions 0" {
		t.Fatalf("last lines %q", lines[len(lines)-2:])
	}
}

func TestKnownAnswer(t *testing.T) {
	skipCensusUnderRace(t)
	if testing.Short() {
		t.Skip("real time")
	}
	r := Known(KnownOptions{Waiters: 8, Hold: 30e6, Gap: 30e6, Duration: 1.5e9, Budget: 0.05, MinInterval: 10e6})
	if r.Samples < 30 || r.TruthShare < 0.3 || r.TruthShare > 0.6 {
		t.Fatalf("%+v", r)
	}
	if d := r.CensusShare - r.TruthShare; d > 0.12 || d < -0.12 {
		t.Fatalf("census %.3f vs truth %.3f", r.CensusShare, r.TruthShare)
	}
}

// checkProfiles: -pprof-dir wrote runtime/pprof's own files, the mutex profile with its
// samples (written before the fraction goes back to 0, which would scale them away).
func checkProfiles(t *testing.T, dir string) {
	t.Helper()
	want := map[string]string{"block.pb.gz": "sync.(*Mutex).Lock", "mutex.pb.gz": "sync.(*Mutex).Unlock",
		"goroutine.pb.gz": "runtime.gopark", "goroutine-debug1.txt": "goroutine profile: total"}
	for _, p := range ProfileFiles {
		data, err := os.ReadFile(filepath.Join(dir, p.File))
		if err != nil {
			t.Fatal(err)
		}
		if p.Debug == 0 {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", p.File, err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", p.File, err)
			}
		}
		if !bytes.Contains(data, []byte(want[p.File])) {
			t.Errorf("%s has no %q", p.File, want[p.File])
		}
	}
}

// At GOMAXPROCS 1 no run reads the lock words (their sampler's timer would displace
// runnext and change the convoy it measures); at 2 both do.
func TestLockWordsAreReadOnlyWithTwoPs(t *testing.T) {
	skipCensusUnderRace(t)
	for _, tc := range []struct {
		procs  int
		census bool
		read   bool
	}{{1, false, false}, {2, false, true}, {1, true, false}, {2, true, true}} {
		pf := testPlan(t, "mutex", 0, 20, "steady")
		pf.Gomaxprocs, pf.DurationS = tc.procs, 0.1
		res, err := Run(pf, Options{Census: tc.census})
		if err != nil {
			t.Fatal(err)
		}
		w := res.LockWords
		if tc.read && (w.Samples == 0 || w.Skipped != "") || !tc.read && (w.Samples != 0 || w.Skipped == "") {
			t.Fatalf("GOMAXPROCS %d census %v: samples %d skipped %q", tc.procs, tc.census, w.Samples, w.Skipped)
		}
	}
}
