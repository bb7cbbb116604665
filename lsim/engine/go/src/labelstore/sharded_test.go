package labelstore

import (
	"testing"

	"lsim/labels"
)

func TestShardLockNames(t *testing.T) {
	cases := []struct {
		i, n int
		want string
	}{
		{0, 1, "labelstore.shard[00].mut"}, {7, 64, "labelstore.shard[07].mut"},
		{63, 64, "labelstore.shard[63].mut"}, {0, 256, "labelstore.shard[000].mut"},
		{5, 101, "labelstore.shard[005].mut"}, {9, 10, "labelstore.shard[09].mut"},
	}
	for _, c := range cases {
		if got := ShardLockName(c.i, c.n); got != c.want {
			t.Errorf("ShardLockName(%d, %d) = %s", c.i, c.n, got)
		}
	}
}

func TestShardRoutingAndEncoding(t *testing.T) {
	const n = 7
	s := build(t, design{"sharded", n}, nil)
	for i := 0; i < 50; i++ {
		l := series(i)
		g := s.GetOrAddGlobalRefID(s.w, l)
		shard, _ := DecodeShardID(g)
		if want := int(l.Hash(labels.StringLabels) % n); shard != want {
			t.Fatalf("series %d in shard %d, want %d", i, shard, want)
		}
		if EncodeShardID(DecodeShardID(g)) != g {
			t.Fatal("encode/decode")
		}
	}
}

func TestShardOutOfRangeIDsAreUnknown(t *testing.T) {
	s := build(t, design{"sharded", 4}, nil)
	g := s.GetOrAddGlobalRefID(s.w, series(1))
	s.AddLocalLink(s.w, comp0, g, 5)
	bad := EncodeShardID(9, 1)
	s.AddLocalLink(s.w, comp0, bad, 6)
	s.ReplaceLocalLink(s.w, comp0, bad, 5, 7)
	if s.GetLocalRefID(s.w, comp0, bad) != 0 || s.GetLocalRefID(s.w, comp0, g) != 5 {
		t.Fatal("out-of-range id not ignored")
	}
	s.TrackStaleness(s.w, []StalenessTracker{stale(bad, 1)})
	if s.CheckAndRemoveStaleMarkers(s.w, secs(1e9)) != 0 {
		t.Fatal("out-of-range marker kept")
	}
	wantCollect(t, s, 1, map[string]int{comp0: 1})
}

func TestShardedTrackStalenessSplitsByShard(t *testing.T) {
	s := build(t, design{"sharded", 8}, nil)
	var batch []StalenessTracker
	var ids []uint64
	for i := 0; i < 30; i++ {
		ids = append(ids, linked(s, i))
		batch = append(batch, stale(ids[i], i))
	}
	s.TrackStaleness(s.w, batch)
	s.TrackStaleness(s.w, []StalenessTracker{live(ids[3], 3)})
	if n := s.CheckAndRemoveStaleMarkers(s.w, secs(1e9)); n != 29 {
		t.Fatalf("removed %d", n)
	}
	if s.GetLocalRefID(s.w, comp0, ids[3]) == 0 || s.Collect(s.w).GlobalIDs != 1 {
		t.Fatal("wrong survivors")
	}
}

func TestLockLists(t *testing.T) {
	want := map[string][]string{
		"mutex":       {"labelstore.Service.mut"},
		"rwmutex":     {"labelstore.Service.mut"},
		"finegrained": {"labelstore.Service.stalenessMut", "labelstore.Service.globalMut", "labelstore.Service.mappingsMut"},
		"syncmap":     {"labelstore.Service.mut", "labelstore.Service.mappings(sync.Map).mu"},
		"percomponent": {"labelstore.Service.mut", "labelstore.mapping[component_0].mu",
			"labelstore.mapping[component_1].mu"},
	}
	for name, names := range want {
		s := build(t, design{name, 0}, nil)
		g := s.GetOrAddGlobalRefID(s.w, series(1))
		s.AddLocalLink(s.w, comp0, g, 1)
		s.AddLocalLink(s.w, "component_1", g, 2)
		locks := s.Locks()
		if len(locks) != len(names) || len(s.Counts()) != len(names) {
			t.Fatalf("%s: %v", name, locks)
		}
		for i, l := range locks {
			if l.Name != names[i] || l.ID != int32(i) {
				t.Fatalf("%s: lock %d = %+v", name, i, l)
			}
		}
	}
}

func TestCountsOnlyWhileMeasuring(t *testing.T) {
	s := build(t, design{"rwmutex", 0}, nil)
	g := s.GetOrAddGlobalRefID(s.w, series(1))
	s.w.Measuring = true
	for i := 0; i < 20; i++ {
		s.GetOrAddGlobalRefID(s.w, series(1))
		s.GetLocalRefID(s.w, comp0, g)
	}
	c := s.Counts()[0]
	acq, samples, hold := s.w.ReadCounts(0)
	if c.Acquisitions != 20 || acq != 20 || samples != 2 || hold <= 0 || c.HoldNs <= 0 {
		t.Fatalf("counts %+v read %d %d %d", c, acq, samples, hold)
	}
}
