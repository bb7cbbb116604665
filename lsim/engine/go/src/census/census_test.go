package census

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"lsim/labelstore"
)

// site returns "file:line" of the first call of method on field in fn.
func site(t *testing.T, fn, field, method string) (string, int) {
	t.Helper()
	for _, s := range labelstore.SiteList() {
		if s.Func == fn && s.Field == field && s.Method == method {
			return s.File, s.Line
		}
	}
	t.Fatalf("no %s.%s call in %s", field, method, fn)
	return "", 0
}

func storeLocks(t *testing.T, design string, shards int) *Locks {
	t.Helper()
	s, err := labelstore.New(design, labelstore.Config{Shards: shards})
	if err != nil {
		t.Fatal(err)
	}
	return NewLocks(s.Locks())
}

const pkg = "lsim/labelstore."

func dump119(t *testing.T) string {
	file, line := site(t, pkg+"(*Service).GetOrAddGlobalRefID", "mut", "Lock")
	ufile, uline := site(t, pkg+"(*Service).GetLocalRefID", "mut", "Unlock")
	return fmt.Sprintf(`goroutine 1 [running]:
main.main()
	/tmp/x/main.go:35 +0x1d0

goroutine 18 [semacquire, 3 minutes]:
sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	/usr/lib/go-1.19/src/runtime/sema.go:77 +0x25
sync.(*Mutex).lockSlow(0xc0000b0008)
	/usr/lib/go-1.19/src/sync/mutex.go:171 +0x165
sync.(*Mutex).Lock(...)
	/usr/lib/go-1.19/src/sync/mutex.go:90
lsim/labelstore.(*Service).GetOrAddGlobalRefID(0xc0000b0000, 0xc000010000, 0xc00001a000)
	/work/src/labelstore/%[1]s:%[2]d +0x36
lsim/executor.(*Executor).call(0xc0000a2000, 0xc0000b8000)
	/work/src/executor/executor.go:180 +0x1a5
created by lsim/engine.startWorkers
	/work/src/engine/steady.go:60 +0x116

goroutine 19 [runnable]:
sync.(*Mutex).Unlock(...)
	/usr/lib/go-1.19/src/sync/mutex.go:212
lsim/labelstore.(*Service).GetLocalRefID(0xc0000b0000, 0xc000010000, {0x4b2d3a, 0xb}, 0x5)
	/work/src/labelstore/%[3]s:%[4]d +0x99
created by lsim/engine.startWorkers
	/work/src/engine/steady.go:60 +0x116

goroutine 20 [sleep]:
time.Sleep(0x5f5e100)
	/usr/lib/go-1.19/src/runtime/time.go:195 +0x135
created by lsim/engine.startWorkers
	/work/src/engine/steady.go:60 +0x116

goroutine 22 [runnable]:
sync.runtime_SemacquireMutex(0x6a6f40?, 0x0?, 0x0?)
	/usr/lib/go-1.19/src/runtime/sema.go:77 +0x25
sync.(*Mutex).lockSlow(0xc0000b0008)
	/usr/lib/go-1.19/src/sync/mutex.go:171 +0x165
sync.(*Mutex).Lock(...)
	/usr/lib/go-1.19/src/sync/mutex.go:90
lsim/labelstore.(*Service).GetOrAddGlobalRefID(0xc0000b0000, 0xc000010000, 0xc00001a000)
	/work/src/labelstore/%[1]s:%[2]d +0x36
created by lsim/engine.startWorkers
	/work/src/engine/steady.go:60 +0x116

goroutine 23 [select]:
lsim/executor.(*Executor).wait(0xc0000a2000, 0xc0000b8000)
	/work/src/executor/executor.go:153 +0x1a5
created by lsim/engine.startWorkers
	/work/src/engine/steady.go:60 +0x116

goroutine 24 [runnable]:
lsim/executor.(*Executor).wait(0xc0000a2000, 0xc0000b8000)
	/work/src/executor/executor.go:153 +0x1a5
created by lsim/engine.startWorkers
	/work/src/engine/steady.go:60 +0x116

goroutine 21 [semacquire]:
sync.runtime_Semacquire(0x0?)
	/usr/lib/go-1.19/src/runtime/sema.go:62 +0x25
sync.(*WaitGroup).Wait(0x0?)
	/usr/lib/go-1.19/src/sync/waitgroup.go:139 +0x52
`, file, line, ufile, uline)
}

func TestParseDumpAndClassifyGo119(t *testing.T) {
	recs := ParseDump([]byte(dump119(t)))
	if len(recs) != 8 || recs[1].ID != 18 || recs[1].Reason != "semacquire" || recs[1].Minutes != 3 {
		t.Fatalf("records %+v", recs)
	}
	if f := recs[1].Frames[3]; f.Func != "lsim/labelstore.(*Service).GetOrAddGlobalRefID" || f.File != "service.go" {
		t.Fatalf("frame %+v", f)
	}
	locks := storeLocks(t, "mutex", 0)
	want := []Class{
		{State: StateRunning},
		{State: StateMutex, Op: "GetOrAddGlobalRefID", Lock: "labelstore.Service.mut", WaitNs: 180e9},
		{State: StateRunnable, Op: "GetLocalRefID", Lock: "labelstore.Service.mut", InUnlock: true},
		{State: StateSleep},
		// woken by an Unlock, not yet run: still in the semaphore frames
		{State: StateRunnable, Op: "GetOrAddGlobalRefID", Lock: "labelstore.Service.mut", Woken: StateMutex},
		{State: StateSleep},                       // a paced worker waiting for its next scrape
		{State: StateRunnable, Woken: StateSleep}, // its timer fired; it has not run yet
		{State: StateRunnable},                    // semacquire outside any sync lock (the runtime's own)
	}
	for i, r := range recs {
		r := r
		if got := locks.Classify(&r, 0); got != want[i] {
			t.Errorf("record %d: %+v, want %+v", r.ID, got, want[i])
		}
	}
}

func TestClassifyNewerGoAndRWMutex(t *testing.T) {
	rfile, rline := site(t, pkg+"(*FineGrainedService).GetLocalRefID", "mappingsMut", "RLock")
	wfile, wline := site(t, pkg+"(*FineGrainedService).AddLocalLink", "mappingsMut", "Lock")
	text := fmt.Sprintf(`goroutine 33 gp=0xc000102000 m=nil [sync.RWMutex.RLock]:
sync.runtime_SemacquireRWMutexR(0x0?, 0x0?, 0x0?)
	runtime/sema.go:100 +0x25
sync.(*RWMutex).RLock(...)
	sync/rwmutex.go:74
lsim/labelstore.(*FineGrainedService).GetLocalRefID(0x27600f7a2000, 0x1, {0x4b2d3a, 0xb}, 0x5)
	lsim/labelstore/%[1]s:%[2]d +0x30
created by lsim/engine.startWorkers in goroutine 1
	lsim/engine/steady.go:60 +0x176

goroutine 34 [sync.Mutex.Lock, 2 minutes]:
internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0x27600f7a2008)
	internal/sync/mutex.go:149 +0x15a
internal/sync.(*Mutex).Lock(...)
	internal/sync/mutex.go:70
sync.(*Mutex).Lock(...)
	sync/mutex.go:46
sync.(*RWMutex).Lock(0x0?)
	sync/rwmutex.go:150 +0x31
lsim/labelstore.(*FineGrainedService).AddLocalLink(0x0?)
	lsim/labelstore/%[3]s:%[4]d +0x1e

goroutine 35 [sync.RWMutex.Lock]:
sync.runtime_SemacquireRWMutex(0x0?, 0x0?, 0x0?)
	runtime/sema.go:105 +0x25
sync.(*RWMutex).Lock(0x0?)
	sync/rwmutex.go:155 +0x65
lsim/labelstore.(*FineGrainedService).AddLocalLink(0x0?)
	lsim/labelstore/%[3]s:%[4]d +0x1e
`, rfile, rline, wfile, wline)
	recs := ParseDump([]byte(text))
	locks := storeLocks(t, "finegrained", 0)
	want := []Class{
		{State: StateRLock, Op: "GetLocalRefID", Lock: "labelstore.Service.mappingsMut"},
		{State: StateMutex, Op: "AddLocalLink", Lock: "labelstore.Service.mappingsMut.w", WaitNs: 120e9},
		{State: StateWLock, Op: "AddLocalLink", Lock: "labelstore.Service.mappingsMut"},
	}
	if len(recs) != 3 {
		t.Fatalf("records %+v", recs)
	}
	for i, r := range recs {
		r := r
		if got := locks.Classify(&r, -1); got != want[i] {
			t.Errorf("record %d: %+v, want %+v", r.ID, got, want[i])
		}
	}
	// Go 1.19 prints [semacquire] for the same RLock wait: the frames give the newer name.
	old := strings.Replace(strings.SplitN(text, "\n\n", 2)[0], "gp=0xc000102000 m=nil [sync.RWMutex.RLock]", "[semacquire]", 1)
	r := ParseDump([]byte(old))[0]
	if got := locks.Classify(&r, -1); got != want[0] {
		t.Errorf("Go 1.19 RLock: %+v", got)
	}
}

func TestShardNameFromAnnouncedLock(t *testing.T) {
	file, line := site(t, pkg+"(*Service).GetLocalRefID", "mut", "Lock")
	text := fmt.Sprintf(`goroutine 40 [sync.Mutex.Lock]:
sync.(*Mutex).Lock(...)
	sync/mutex.go:46
lsim/labelstore.(*Service).GetLocalRefID(0x0?)
	lsim/labelstore/%s:%d +0x1e
lsim/labelstore.(*ShardedService).GetLocalRefID(0x0?)
	lsim/labelstore/sharded.go:77 +0x1e
`, file, line)
	r := ParseDump([]byte(text))[0]
	locks := storeLocks(t, "sharded", 64)
	if got := locks.Classify(&r, 7); got.Lock != "labelstore.shard[07].mut" || got.Op != "GetLocalRefID" {
		t.Fatalf("%+v", got)
	}
	if got := locks.Classify(&r, -1); got.Lock != "" {
		t.Fatalf("unannounced shard named: %+v", got)
	}
}

func TestParseBlockProfileAndCharge(t *testing.T) {
	gfile, gline := site(t, pkg+"(*Service).GetOrAddGlobalRefID", "mut", "Lock")
	lfile, lline := site(t, pkg+"(*Service).GetLocalRefID", "mut", "Unlock")
	text := fmt.Sprintf(`--- contention:
cycles/second=2000000000
4000 2 @ 0x46eed1 0x4b4165 0x461161
#	0x46eed0	sync.(*Mutex).Lock+0x70		/usr/lib/go-1.19/src/sync/mutex.go:90
#	0x4b4164	lsim/labelstore.(*Service).GetOrAddGlobalRefID+0x24	/w/labelstore/%s:%d
#	0x4b4164	lsim/executor.(*Executor).call+0x24	/w/executor/executor.go:170

1000 1 @ 0x46aaaa 0x461161
#	0x46aaa9	sync.(*WaitGroup).Wait+0x70	/usr/lib/go-1.19/src/sync/waitgroup.go:139
#	0x4b4164	main.main+0x24		/w/main.go:20

`, gfile, gline)
	before, err := ParseProfile([]byte(strings.Replace(text, "4000 2 @", "1000 1 @", 1)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseProfile([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if p.CyclesPerSecond != 2e9 || len(p.Records) != 2 || p.Records[0].Count != 2 || len(p.Records[0].Frames) != 3 {
		t.Fatalf("profile %+v", p)
	}
	d := p.Since(before)
	if len(d.Records) != 1 || d.Records[0].Count != 1 || d.Ns(&d.Records[0]) != 1500 {
		t.Fatalf("delta %+v", d)
	}
	s, _ := labelstore.New("mutex", labelstore.Config{})
	table := NewLockTable(s.Locks())
	table.Entries[0].Acquisitions = 10
	tot := table.ChargeBlock(p, NewLocks(s.Locks()))
	mut := fmt.Sprintf("--- mutex:\ncycles/second=2000000000\nsampling period=1\n600 3 @ 0x1 0x2\n#\t0x1\tsync.(*Mutex).Unlock+0x98\t/x/sync/mutex.go:223\n#\t0x2\tlsim/labelstore.(*Service).GetLocalRefID+0x2e\t/w/labelstore/%s:%d\n", lfile, lline)
	mp, err := ParseProfile([]byte(mut))
	if err != nil {
		t.Fatal(err)
	}
	table.ChargeMutex(mp, NewLocks(s.Locks()))
	table.Finish()
	e := table.Entries[0]
	if tot.TotalNs != 2500 || tot.StoreNs != 2000 || tot.Events != 3 {
		t.Fatalf("totals %+v", tot)
	}
	if e.Contended != 2 || e.WaitTotalNs != 2000 || e.WaitByOperation["GetOrAddGlobalRefID"] != [2]int64{2, 2000} {
		t.Fatalf("entry %+v", e)
	}
	if e.DelayByUnlocker["GetLocalRefID"] != [2]int64{3, 300} {
		t.Fatalf("delay %+v", e.DelayByUnlocker)
	}
}

func TestChargeSplitsShardsByAcquisitions(t *testing.T) {
	file, line := site(t, pkg+"(*Service).GetOrAddGlobalRefID", "mut", "Lock")
	text := fmt.Sprintf("--- contention:\ncycles/second=1000000000\n9000 9 @ 0x1 0x2\n#\t0x1\tsync.(*Mutex).Lock+0x1\t/x/sync/mutex.go:90\n#\t0x2\tlsim/labelstore.(*Service).GetOrAddGlobalRefID+0x1\t/w/%s:%d\n#\t0x3\tlsim/labelstore.(*ShardedService).GetOrAddGlobalRefID+0x1\t/w/sharded.go:80\n", file, line)
	p, _ := ParseProfile([]byte(text))
	s, _ := labelstore.New("sharded", labelstore.Config{Shards: 3})
	table := NewLockTable(s.Locks())
	table.Entries[0].Acquisitions, table.Entries[1].Acquisitions, table.Entries[2].Acquisitions = 2, 1, 0
	table.ChargeBlock(p, NewLocks(s.Locks()))
	table.Finish()
	if table.Entries[0].Contended != 6 || table.Entries[1].Contended != 3 || table.Entries[2].Contended != 0 ||
		table.Entries[0].WaitTotalNs != 6000 || table.Entries[0].WaitSplit != "by_acquisitions" {
		t.Fatalf("%+v %+v %+v", table.Entries[0], table.Entries[1], table.Entries[2])
	}
}

func TestApportion(t *testing.T) {
	got := apportion(10, []float64{1, 1, 1}, 3)
	if got[0]+got[1]+got[2] != 10 || got[0] != 4 {
		t.Fatalf("%v", got)
	}
}

func TestCurrentGID(t *testing.T) {
	if CurrentGID() <= 0 {
		t.Fatal("no goroutine id")
	}
}

// The wait before the next sample follows the mean cost of all calls, not the last one's:
// after three 20 ms calls, a 2 ms or a 38 ms call moves the next wait to 310 or 490 ms
// (waiting by the last call alone: 40 or 760 ms, samples spaced by the state they caught).
func TestMeanWaitFollowsTheMeanCost(t *testing.T) {
	ms := time.Millisecond
	// three calls of 20 ms, then one of 2 ms vs one of 38 ms: totals 62 and 98 ms
	cheap := meanWait(62*ms, 4, 0.05, 10*ms)
	dear := meanWait(98*ms, 4, 0.05, 10*ms)
	if cheap != 310*ms || dear != 490*ms {
		t.Fatalf("meanWait: got %v and %v, want 310ms and 490ms", cheap, dear)
	}
	// a history of equal costs keeps the old behaviour: cost / budget
	if got := meanWait(40*ms, 2, 0.05, 10*ms); got != 400*ms {
		t.Fatalf("meanWait(equal costs) = %v, want 400ms", got)
	}
	if got := meanWait(ms/10, 1, 0.05, 10*ms); got != 15*ms {
		t.Fatalf("meanWait below the floor = %v, want 1.5 x min interval = 15ms", got)
	}
}

// The lock-word census counts goroutines parked on a held mutex while it runs.
func TestWordSamplerCountsParkedWaiters(t *testing.T) {
	var m sync.Mutex
	lock := labelstore.LockInfo{Name: "labelstore.Service.mut", Words: labelstore.Words{
		Waiters:  func() int { return labelstore.MutexWaiters(&m) },
		Starving: func() bool { return true }, // every read: the share must come out 1
	}}
	m.Lock()
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); m.Lock(); m.Unlock() }()
	}
	deadline := time.Now().Add(5 * time.Second)
	for labelstore.MutexWaiters(&m) != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the two waiters did not park")
		}
		time.Sleep(time.Millisecond)
	}
	s := &WordSampler{Interval: time.Millisecond, Locks: []labelstore.LockInfo{lock, {Name: "x(sync.Map).mu"}}}
	s.Start()
	for s.taken.Load() < 5 { // samples taken while both wait
		if time.Now().After(deadline) {
			t.Fatal("the sampler took no samples")
		}
		time.Sleep(time.Millisecond)
	}
	r := s.Stop()
	m.Unlock()
	wg.Wait()
	if r.Samples == 0 || r.WaitersMean != 2 || r.WaitersMax != 2 || r.PerLock["labelstore.Service.mut"] != 2 {
		t.Fatalf("got %+v, want every sample to read 2 waiters", r)
	}
	if len(r.Unread) != 1 || r.Unread[0] != "x(sync.Map).mu" {
		t.Fatalf("unread = %v", r.Unread)
	}
	if len(r.Starving) != 1 || r.Starving["labelstore.Service.mut"] != 1 {
		t.Fatalf("starving = %v, want the one readable lock at 1", r.Starving)
	}
}
