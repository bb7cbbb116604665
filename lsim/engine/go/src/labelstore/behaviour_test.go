package labelstore

import (
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"lsim/labels"
)

// The behaviour every design shares, ported from tests/stores/test_behaviour.py and run
// against each design (sharded at 1, 7, 64 and 256 shards, as helpers.DESIGNS).

type design struct {
	name   string
	shards int
}

var designs = []design{
	{"mutex", 0}, {"rwmutex", 0}, {"finegrained", 0},
	{"sharded", 1}, {"sharded", 7}, {"sharded", 64}, {"sharded", 256},
	{"syncmap", 0}, {"percomponent", 0}, {"lockfree", 0},
}

func (d design) String() string {
	if d.shards != 0 {
		return fmt.Sprintf("%s-%d", d.name, d.shards)
	}
	return d.name
}

type fakeClock struct{ now float64 } // seconds

func (c *fakeClock) ns() int64 { return int64(math.Round(c.now * 1e9)) }

func secs(s float64) int64 { return int64(math.Round(s * 1e9)) }

type fixture struct {
	Store
	clock *fakeClock
	w     *Ctx
}

func build(t *testing.T, d design, mod func(*Config)) fixture {
	t.Helper()
	clock := &fakeClock{now: 1000}
	cfg := Config{Shards: d.shards, Clock: clock.ns}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(d.name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{s, clock, NewCtx()}
}

func each(t *testing.T, f func(t *testing.T, s fixture)) {
	for _, d := range designs {
		d := d
		t.Run(d.String(), func(t *testing.T) { f(t, build(t, d, nil)) })
	}
}

func series(i int) *labels.Labels {
	ls, err := labels.New([][2]string{
		{"__name__", "http_requests_total"}, {"instance", fmt.Sprintf("10.0.0.%d", i%256)}, {"i", fmt.Sprint(i)},
	})
	if err != nil {
		panic(err)
	}
	return ls
}

var empty, _ = labels.New(nil)

const comp0 = "component_0"

func localPart(g uint64) uint64 { return g & localMask }

func wantCollect(t *testing.T, s fixture, ids int, per map[string]int) {
	t.Helper()
	got := s.Collect(s.w)
	if got.GlobalIDs != ids || !reflect.DeepEqual(got.PerComponent, per) {
		t.Fatalf("collect = %d %v, want %d %v", got.GlobalIDs, got.PerComponent, ids, per)
	}
}

func wantTables(t *testing.T, s fixture, c string, l2g, g2l map[uint64]uint64) {
	t.Helper()
	a, b := s.LinkTables(c)
	if !reflect.DeepEqual(a, l2g) || !reflect.DeepEqual(b, g2l) {
		t.Fatalf("tables(%s) = %v %v, want %v %v", c, a, b, l2g, g2l)
	}
}

func TestEmptyLabelsGetIDZero(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		if s.GetOrAddGlobalRefID(s.w, empty) != 0 || s.GetOrAddLink(s.w, comp0, 77, empty) != 0 {
			t.Fatal("empty labels got an id")
		}
		wantCollect(t, s, 0, map[string]int{})
	})
}

func TestIDsCountUpPerShard(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		byShard := map[uint64][]uint64{}
		seen := map[uint64]bool{}
		for i := 0; i < 40; i++ {
			g := s.GetOrAddGlobalRefID(s.w, series(i))
			if g == 0 || seen[g] {
				t.Fatalf("id %d repeated or zero", g)
			}
			seen[g] = true
			byShard[g>>56] = append(byShard[g>>56], localPart(g))
		}
		for _, ids := range byShard {
			for k, id := range ids {
				if id != uint64(k+1) {
					t.Fatalf("per-shard ids %v", ids)
				}
			}
		}
	})
}

func TestIDsAreOneTwoThree(t *testing.T) {
	for _, d := range designs {
		if d.name == "sharded" && d.shards != 1 {
			continue
		}
		s := build(t, d, nil)
		for i := 0; i < 3; i++ {
			if g := s.GetOrAddGlobalRefID(s.w, series(i)); g != uint64(i+1) {
				t.Fatalf("%v: id %d = %d", d, i, g)
			}
		}
	}
}

func TestEqualLabelSetsShareOneID(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		first := s.GetOrAddGlobalRefID(s.w, series(5))
		again := s.GetOrAddGlobalRefID(s.w, series(5))
		other := s.GetOrAddGlobalRefID(s.w, series(6))
		if first != again || first == other || s.Collect(s.w).GlobalIDs != 2 || s.Collisions() != 0 {
			t.Fatal("equal label sets do not share one id")
		}
	})
}

func TestLocalLinks(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		g := s.GetOrAddGlobalRefID(s.w, series(1))
		if s.GetLocalRefID(s.w, comp0, g) != 0 {
			t.Fatal("unknown component not 0")
		}
		s.AddLocalLink(s.w, comp0, g, 42)
		if s.GetLocalRefID(s.w, comp0, g) != 42 || s.GetLocalRefID(s.w, "component_1", g) != 0 {
			t.Fatal("link not found")
		}
		other := s.GetOrAddGlobalRefID(s.w, series(2))
		if s.GetLocalRefID(s.w, comp0, other) != 0 {
			t.Fatal("unknown id not 0")
		}
		wantTables(t, s, comp0, map[uint64]uint64{42: g}, map[uint64]uint64{g: 42})
		wantCollect(t, s, 2, map[string]int{comp0: 1})
		// Alloy's AddLocalLink never deletes: the old local id stays in localToGlobal.
		s.AddLocalLink(s.w, comp0, g, 43)
		wantTables(t, s, comp0, map[uint64]uint64{42: g, 43: g}, map[uint64]uint64{g: 43})
	})
}

func TestReplace(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		a := s.GetOrAddGlobalRefID(s.w, series(1))
		b := s.GetOrAddGlobalRefID(s.w, series(2))
		s.ReplaceLocalLink(s.w, "component_9", a, 7, 8) // no mapping: an add
		wantTables(t, s, "component_9", map[uint64]uint64{8: a}, map[uint64]uint64{a: 8})
		s.AddLocalLink(s.w, comp0, a, 10)
		s.AddLocalLink(s.w, comp0, b, 20)
		s.ReplaceLocalLink(s.w, comp0, a, 10, 11)
		wantTables(t, s, comp0, map[uint64]uint64{11: a, 20: b}, map[uint64]uint64{a: 11, b: 20})
		// the cached local id is what the caller remembers, not necessarily the current one
		s.ReplaceLocalLink(s.w, comp0, b, 99, 21)
		wantTables(t, s, comp0, map[uint64]uint64{11: a, 20: b, 21: b}, map[uint64]uint64{a: 11, b: 21})
		s.AddLocalLink(s.w, "component_1", a, 2)
		if s.GetLocalRefID(s.w, comp0, a) != 11 || s.GetLocalRefID(s.w, "component_1", a) != 2 {
			t.Fatal("components not independent")
		}
	})
}

func TestGetOrAddLink(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		g := s.GetOrAddLink(s.w, comp0, 77, series(3))
		if g == 0 || s.GetOrAddGlobalRefID(s.w, series(3)) != g {
			t.Fatal("GetOrAddLink id")
		}
		wantTables(t, s, comp0, map[uint64]uint64{77: g}, map[uint64]uint64{g: 77})
		h := s.GetOrAddGlobalRefID(s.w, series(4))
		if s.GetOrAddLink(s.w, comp0, 78, series(4)) != h || s.GetLocalRefID(s.w, comp0, h) != 78 {
			t.Fatal("GetOrAddLink does not reuse")
		}
		wantCollect(t, s, 2, map[string]int{comp0: 2})
	})
}

func TestCollectCounts(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		for i := 0; i < 10; i++ {
			g := s.GetOrAddGlobalRefID(s.w, series(i))
			s.AddLocalLink(s.w, comp0, g, uint64(100+i))
			if i%2 == 1 {
				s.AddLocalLink(s.w, "component_1", g, uint64(200+i))
			}
		}
		wantCollect(t, s, 10, map[string]int{comp0: 10, "component_1": 5})
	})
}

func linked(s fixture, i int) uint64 {
	g := s.GetOrAddGlobalRefID(s.w, series(i))
	for c := 0; c < 3; c++ {
		s.AddLocalLink(s.w, fmt.Sprintf("component_%d", c), g, uint64(1000*(c+1)+i))
	}
	return g
}

func stale(g uint64, i int) StalenessTracker { return StalenessTracker{g, StaleNaN, series(i)} }
func live(g uint64, i int) StalenessTracker  { return StalenessTracker{g, 1.0, series(i)} }

func TestStaleSeriesExpiresWithAllItsLinks(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		g := linked(s, 1)
		keep := linked(s, 2)
		s.TrackStaleness(s.w, []StalenessTracker{stale(g, 1)})
		s.clock.now += 10
		if n := s.CheckAndRemoveStaleMarkers(s.w, secs(1000+600-0.001)); n != 0 {
			t.Fatalf("removed %d early", n)
		}
		if n := s.CheckAndRemoveStaleMarkers(s.w, secs(1600)); n != 1 {
			t.Fatalf("removed %d at 10 min", n)
		}
		for c := 0; c < 3; c++ {
			name := fmt.Sprintf("component_%d", c)
			if s.GetLocalRefID(s.w, name, g) != 0 {
				t.Fatal("link kept")
			}
			k := uint64(1000*(c+1) + 2)
			wantTables(t, s, name, map[uint64]uint64{k: keep}, map[uint64]uint64{keep: k})
		}
		wantCollect(t, s, 1, map[string]int{"component_0": 1, "component_1": 1, "component_2": 1})
		if s.GetOrAddGlobalRefID(s.w, series(2)) != keep || s.CheckAndRemoveStaleMarkers(s.w, secs(1e9)) != 0 {
			t.Fatal("survivor or marker")
		}
	})
}

func TestExpiredSeriesGetsANewID(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		var ids []uint64
		for i := 0; i < 5; i++ {
			ids = append(ids, linked(s, i))
		}
		s.TrackStaleness(s.w, []StalenessTracker{stale(ids[2], 2)})
		if s.CheckAndRemoveStaleMarkers(s.w, secs(1e9)) != 1 {
			t.Fatal("not removed")
		}
		again := s.GetOrAddGlobalRefID(s.w, series(2))
		for _, g := range ids {
			if g == again || (g>>56 == again>>56 && localPart(g) >= localPart(again)) {
				t.Fatalf("id %d reused or not above %d", again, g)
			}
		}
	})
}

func TestLiveValueUnmarks(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		g := linked(s, 1)
		s.TrackStaleness(s.w, []StalenessTracker{stale(g, 1)})
		s.TrackStaleness(s.w, []StalenessTracker{live(g, 1)})
		if s.CheckAndRemoveStaleMarkers(s.w, secs(1e9)) != 0 || s.GetLocalRefID(s.w, comp0, g) != 1001 {
			t.Fatal("revived series removed")
		}
		// only the stale NaN bit pattern marks stale
		s.TrackStaleness(s.w, []StalenessTracker{{g, math.NaN(), series(1)}})
		if s.CheckAndRemoveStaleMarkers(s.w, secs(1e9)) != 0 {
			t.Fatal("ordinary NaN marked stale")
		}
	})
}

func TestMarkingAgainRefreshes(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		g := linked(s, 1)
		s.TrackStaleness(s.w, []StalenessTracker{stale(g, 1)})
		s.clock.now = 1500
		s.TrackStaleness(s.w, []StalenessTracker{stale(g, 1)})
		if s.CheckAndRemoveStaleMarkers(s.w, secs(1600)) != 0 || s.CheckAndRemoveStaleMarkers(s.w, secs(2100)) != 1 {
			t.Fatal("re-marking did not refresh")
		}
	})
}

func TestMixedBatchAndClock(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		var ids []uint64
		for i := 0; i < 6; i++ {
			ids = append(ids, linked(s, i))
		}
		var batch []StalenessTracker
		for i := 0; i < 4; i++ {
			batch = append(batch, stale(ids[i], i))
		}
		s.TrackStaleness(s.w, batch)
		s.TrackStaleness(s.w, []StalenessTracker{live(ids[0], 0), stale(ids[4], 4), live(ids[1], 1)})
		s.clock.now += 599
		if s.CheckAndRemoveStaleMarkers(s.w, 0) != 0 {
			t.Fatal("early")
		}
		s.clock.now++
		if n := s.CheckAndRemoveStaleMarkers(s.w, 0); n != 3 {
			t.Fatalf("removed %d", n)
		}
		want := []bool{true, true, false, false, false, true}
		for i, g := range ids {
			if (s.GetLocalRefID(s.w, comp0, g) != 0) != want[i] {
				t.Fatalf("series %d alive = %v", i, !want[i])
			}
		}
		if s.Collect(s.w).GlobalIDs != 3 {
			t.Fatal("global ids")
		}
	})
}

func TestCustomStaleDuration(t *testing.T) {
	for _, d := range designs {
		s := build(t, d, func(c *Config) { c.StaleDuration = 5 * time.Second })
		g := linked(s, 1)
		s.TrackStaleness(s.w, []StalenessTracker{stale(g, 1)})
		if s.CheckAndRemoveStaleMarkers(s.w, secs(1004)) != 0 || s.CheckAndRemoveStaleMarkers(s.w, secs(1005)) != 1 {
			t.Fatalf("%v: custom duration", d)
		}
	}
}

func TestHashCollisionsShareOneIDAndCountOnce(t *testing.T) {
	for _, d := range designs {
		s := build(t, d, func(c *Config) { c.Hasher = func(*labels.Labels) uint64 { return 0xC0FFEE } })
		a, b, c := series(1), series(2), series(3)
		g := s.GetOrAddGlobalRefID(s.w, a)
		check := func(got uint64, coll int) {
			t.Helper()
			if got != g || s.Collisions() != coll {
				t.Fatalf("%v: id %d (want %d), collisions %d (want %d)", d, got, g, s.Collisions(), coll)
			}
		}
		check(g, 0)
		check(s.GetOrAddGlobalRefID(s.w, b), 1)
		check(s.GetOrAddGlobalRefID(s.w, series(2)), 1)
		check(s.GetOrAddLink(s.w, comp0, 9, c), 2)
		check(s.GetOrAddGlobalRefID(s.w, a), 2)
		if s.Collect(s.w).GlobalIDs != 1 {
			t.Fatalf("%v: global ids", d)
		}
	}
}

func TestNoCollisionsWithTheRealHash(t *testing.T) {
	each(t, func(t *testing.T, s fixture) {
		for i := 0; i < 200; i++ {
			s.GetOrAddGlobalRefID(s.w, series(i))
		}
		if s.Collisions() != 0 {
			t.Fatal("collisions")
		}
	})
}

func TestUnknownDesignAndShards(t *testing.T) {
	if _, err := New("nope", Config{}); err == nil {
		t.Fatal("unknown design accepted")
	}
	if _, err := New("sharded", Config{Shards: 257}); err == nil {
		t.Fatal("257 shards accepted")
	}
	if _, err := New("mutex", Config{Shards: 4}); err == nil {
		t.Fatal("shards on mutex accepted")
	}
}
