package labelstore

import (
	"sync"
	"testing"
	"time"

	"lsim/labels"
)

// directfanout's semantics, ported from tests/stores/test_directfanout.py.

func newDirect(t *testing.T, fanouts int, clock *fakeClock) *DirectFanoutService {
	t.Helper()
	s, err := New("directfanout", Config{Fanouts: fanouts, Clock: clock.ns})
	if err != nil {
		t.Fatal(err)
	}
	return s.(*DirectFanoutService)
}

func TestDirectFanoutLabelstoreIsDisabled(t *testing.T) {
	s := newDirect(t, 1, &fakeClock{})
	w := NewCtx()
	w.Measuring = true
	if g := s.GetOrAddGlobalRefID(w, series(1)); g != 0 {
		t.Fatalf("GetOrAddGlobalRefID = %d, want 0", g)
	}
	s.AddLocalLink(w, comp0, 1, 2)
	s.ReplaceLocalLink(w, comp0, 1, 2, 3)
	s.TrackStaleness(w, []StalenessTracker{{GlobalRefID: 1, Value: StaleNaN, Labels: series(1)}})
	if s.GetLocalRefID(w, comp0, 1) != 0 || s.GetOrAddLink(w, comp0, 4, series(1)) != 0 ||
		s.CheckAndRemoveStaleMarkers(w, 1e18) != 0 || s.Collect(w).GlobalIDs != 0 {
		t.Fatal("a disabled labelstore call returned something")
	}
	for _, c := range s.Counts() {
		if c.Acquisitions != 0 {
			t.Fatalf("a disabled labelstore call took a lock: %+v", s.Counts())
		}
	}
	if w.Lock != -1 {
		t.Fatalf("a disabled labelstore call announced lock %d", w.Lock)
	}
}

func TestDirectFanoutMappingCreatedOnceUpdatedWhenChanged(t *testing.T) {
	s := newDirect(t, 2, &fakeClock{})
	w := NewCtx()
	m := s.Mapping(0)
	l := series(1)
	if m.GetMapping(w, 0, l) != nil {
		t.Fatal("a mapping before any was made")
	}
	ref := m.CreateMapping(w, []uint64{100, 101}, l)
	if ref != 1 || m.CreateMapping(w, []uint64{5, 6}, series(2)) != 2 {
		t.Fatal("unique refs do not count up from 1")
	}
	if got := m.GetMapping(w, ref, l); !EqualRefs(got, []uint64{100, 101}) {
		t.Fatalf("GetMapping(ref) = %v", got)
	}
	if got := m.GetMapping(w, 0, l); !EqualRefs(got, []uint64{100, 101}) {
		t.Fatalf("GetMapping(0) by label hash = %v", got)
	}
	if m.GetMapping(w, ref, series(2)) != nil || s.Mapping(1).GetMapping(w, ref, l) != nil {
		t.Fatal("a ref of another series, or of another Fanout, was used")
	}
	m.UpdateMapping(w, 0, []uint64{7, 8}, l) // ref 0 returns at once
	if got := m.GetMapping(w, ref, l); !EqualRefs(got, []uint64{100, 101}) {
		t.Fatalf("UpdateMapping(0, ...) changed the mapping: %v", got)
	}
	m.UpdateMapping(w, ref, []uint64{200, 101}, l)
	if got := m.GetMapping(w, ref, l); !EqualRefs(got, []uint64{200, 101}) {
		t.Fatalf("after UpdateMapping: %v", got)
	}
}

func TestDirectFanoutCleanupRemovesOnlyExpiredRefs(t *testing.T) {
	clock := &fakeClock{now: 0}
	s := newDirect(t, 1, clock)
	w := NewCtx()
	m := s.Mapping(0)
	old := m.CreateMapping(w, []uint64{1, 2}, series(1))
	m.TrackAppendedSeries(w, m.Now(), []uint64{old})
	clock.now = 1000
	fresh := m.CreateMapping(w, []uint64{3, 4}, series(2))
	m.TrackAppendedSeries(w, m.Now(), []uint64{fresh})
	unstamped := m.CreateMapping(w, []uint64{5, 6}, series(3))
	if n := m.CleanupTick(w, secs(RefTTLSeconds)); n != 0 {
		t.Fatalf("exactly 15 minutes old: removed %d", n)
	}
	if n := m.CleanupTick(w, secs(RefTTLSeconds+1)); n != 1 {
		t.Fatalf("removed %d, want 1", n)
	}
	if m.GetMapping(w, old, series(1)) != nil || m.GetMapping(w, 0, series(1)) != nil {
		t.Fatal("the expired mapping (or its label-hash entry) is still there")
	}
	if m.GetMapping(w, fresh, series(2)) == nil || m.GetMapping(w, unstamped, series(3)) == nil {
		t.Fatal("a fresh or never-stamped mapping was removed")
	}
}

func TestDirectFanoutHashCollisionsShareAMapping(t *testing.T) {
	s, _ := New("directfanout", Config{Hasher: func(*labels.Labels) uint64 { return 7 }})
	d := s.(*DirectFanoutService)
	w := NewCtx()
	d.Mapping(0).CreateMapping(w, []uint64{1, 2}, series(1))
	if got := d.Mapping(0).GetMapping(w, 0, series(2)); !EqualRefs(got, []uint64{1, 2}) || d.Collisions() != 1 {
		t.Fatalf("got %v, collisions %d", got, d.Collisions())
	}
}

func TestDirectFanoutFieldsNameItsLocks(t *testing.T) {
	s := newDirect(t, 3, &fakeClock{})
	fields := map[string]bool{}
	for _, l := range s.Locks() {
		fields[l.Field] = true
	}
	if len(s.Locks()) != 6 || s.Locks()[5].Name != "appenders.SeriesRefMappingStore[2].timestampTrackingMu" {
		t.Fatalf("locks: %+v", s.Locks())
	}
	for _, site := range SiteList() {
		if site.File == "directfanout.go" && !fields[site.Field] && site.Field != "collid" {
			t.Errorf("%s calls %s.%s, which is no lock of the design", site.Key(), site.Field, site.Method)
		}
	}
	if _, err := New("directfanout", Config{Fanouts: MaxFanouts + 1}); err == nil {
		t.Fatal("too many fanouts accepted")
	}
	if _, err := New("mutex", Config{Fanouts: 2}); err == nil {
		t.Fatal("fanouts accepted for mutex")
	}
}

// TestDirectFanoutHammer: appenders on two Fanouts racing a cleanup that expires everything
// stamped; no deadlock (the cleanup takes both locks), and the tables stay consistent.
func TestDirectFanoutHammer(t *testing.T) {
	clock := &fakeClock{now: 1e6}
	s := newDirect(t, 2, clock)
	const goroutines, iterations, nseries = 32, 200, 61
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			w := NewCtx()
			m := s.Mapping(g % 2)
			cache := map[int]uint64{}
			var cell []uint64
			for i := 0; i < iterations; i++ {
				idx := (g*7 + i) % nseries
				l := series(idx)
				refs := []uint64{uint64(idx*10 + 1), uint64(idx*10 + 2)}
				given := cache[idx]
				if got := m.GetMapping(w, given, l); got != nil {
					cell = append(cell, given)
				} else {
					cache[idx] = m.CreateMapping(w, refs, l)
					cell = append(cell, cache[idx])
				}
				if i%5 == 4 {
					m.TrackAppendedSeries(w, 0, cell)
					cell = cell[:0]
				}
				if g%8 == 0 && i%32 == 7 {
					m.CleanupTick(w, 0)
				}
			}
		}(g)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("goroutines never finished (deadlock?)")
	}
	for f := 0; f < 2; f++ {
		m := s.Mapping(f)
		for ref, e := range m.uniqueRefToChildRefs {
			if ref == 0 || ref >= m.nextUniqueRef || len(e.childRefs) != 2 || e.childRefs[0]%10 != 1 {
				t.Fatalf("fanout %d: bad mapping %d -> %+v", f, ref, e)
			}
		}
		for h, ref := range m.labelHashToUniqueRef {
			if e, ok := m.uniqueRefToChildRefs[ref]; !ok || e.labelHash != h {
				t.Fatalf("fanout %d: label hash %x points at %d, which is not its mapping", f, h, ref)
			}
		}
	}
}
