package labelstore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"lsim/labels"
)

// The concurrency hammer of tests/stores/hammer.py: many goroutines on overlapping label
// sets, a component of their own (every link they make must survive), a shared component
// (goroutines replace each other's links), and doomed series marked stale while the GC
// expires them under everyone's feet. Run it with -race too.

const (
	hammerGoroutines = 64
	hammerSeries     = 97
	hammerDoomed     = 16
	hammerIterations = 60
)

func doomedSeries(i int) *labels.Labels {
	ls, _ := labels.New([][2]string{{"__name__", "doomed"}, {"instance", fmt.Sprintf("10.0.0.%d", i%256)}, {"i", fmt.Sprint(i)}})
	return ls
}

type seen struct {
	idx int
	gid uint64
}

func hammer(t *testing.T, s Store) (seenBy [][]seen, ownLinks []map[uint64]uint64, views [][]uint64) {
	checked := make([]*labels.Labels, hammerSeries)
	for i := range checked {
		checked[i] = series(i)
	}
	doomed := make([]*labels.Labels, hammerDoomed)
	for i := range doomed {
		doomed[i] = doomedSeries(i)
	}
	seenBy = make([][]seen, hammerGoroutines)
	ownLinks = make([]map[uint64]uint64, hammerGoroutines)
	views = make([][]uint64, hammerGoroutines)
	var start sync.WaitGroup
	start.Add(1)
	var wrote, finished sync.WaitGroup
	wrote.Add(hammerGoroutines)
	finished.Add(hammerGoroutines)
	for g := 0; g < hammerGoroutines; g++ {
		go func(g int) {
			defer finished.Done()
			w := NewCtx()
			w.Measuring = g%2 == 0 // exercise the counters under the race detector too
			own, shared := fmt.Sprintf("own_%d", g), fmt.Sprintf("component_%d", g%5)
			links := map[uint64]uint64{}
			start.Wait()
			for i := 0; i < hammerIterations; i++ {
				idx := (g*7 + i) % hammerSeries
				l := checked[idx]
				var gid uint64
				if i%10 == 3 {
					gid = s.GetOrAddLink(w, own, uint64(i+1), l)
				} else {
					gid = s.GetOrAddGlobalRefID(w, l)
					s.AddLocalLink(w, own, gid, uint64(i+1))
				}
				links[gid] = uint64(i + 1)
				seenBy[g] = append(seenBy[g], seen{idx, gid})
				local, mine := s.GetLocalRefID(w, shared, gid), uint64(idx*1000+g+1)
				if local == 0 {
					s.AddLocalLink(w, shared, gid, mine)
				} else if local != mine {
					s.ReplaceLocalLink(w, shared, gid, local, mine)
				}
				if i%8 == 0 {
					s.TrackStaleness(w, []StalenessTracker{{gid, 1.0, l}})
				}
				if i%4 == 1 {
					d := doomed[(g+i)%hammerDoomed]
					dead := s.GetOrAddGlobalRefID(w, d)
					s.AddLocalLink(w, shared, dead, uint64(5_000_000+g*1000+i))
					s.TrackStaleness(w, []StalenessTracker{{dead, StaleNaN, d}})
				}
				if i%16 == 5 {
					s.CheckAndRemoveStaleMarkers(w, int64(1e18))
					s.Collect(w)
				}
			}
			ownLinks[g] = links
			wrote.Done()
			wrote.Wait() // every view is taken after all the writes
			view := make([]uint64, hammerSeries)
			for i, l := range checked {
				view[i] = s.GetOrAddGlobalRefID(w, l)
			}
			views[g] = view
		}(g)
	}
	start.Done()
	done := make(chan struct{})
	go func() { finished.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("goroutines never finished (deadlock?)")
	}
	return seenBy, ownLinks, views
}

func TestHammerEveryDesign(t *testing.T) {
	for _, d := range designs {
		d := d
		t.Run(d.String(), func(t *testing.T) {
			s := build(t, d, nil).Store
			seenBy, ownLinks, views := hammer(t, s)
			final := views[0]
			unique := map[uint64]bool{}
			for _, g := range final {
				if g == 0 || unique[g] {
					t.Fatalf("final ids not unique and non-zero: %v", final)
				}
				unique[g] = true
			}
			for _, v := range views {
				for i := range v {
					if v[i] != final[i] {
						t.Fatal("goroutines disagree on an id")
					}
				}
			}
			for _, ss := range seenBy {
				for _, x := range ss {
					if x.gid != final[x.idx] {
						t.Fatalf("series %d got %d while racing, %d after", x.idx, x.gid, final[x.idx])
					}
				}
			}
			w := NewCtx()
			counts := s.Collect(w)
			if counts.GlobalIDs < hammerSeries {
				t.Fatalf("global ids %d", counts.GlobalIDs)
			}
			for g, links := range ownLinks {
				own := fmt.Sprintf("own_%d", g)
				for gid, local := range links {
					if got := s.GetLocalRefID(w, own, gid); got != local {
						t.Fatalf("%s: link %d -> %d lost (%d)", own, gid, local, got)
					}
				}
				if counts.PerComponent[own] != len(links) {
					t.Fatalf("%s: %d links counted, %d made", own, counts.PerComponent[own], len(links))
				}
			}
			if d.name == "lockfree" {
				return // a link's two directions are two stores: a racing replace may split them
			}
			for c := 0; c < 5; c++ {
				l2g, g2l := s.LinkTables(fmt.Sprintf("component_%d", c))
				for gid, local := range g2l {
					if l2g[local] != gid {
						t.Fatalf("component_%d: %d -> %d has no reverse", c, gid, local)
					}
				}
			}
		})
	}
}
