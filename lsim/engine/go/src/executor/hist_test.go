package executor

import (
	"math"
	"math/rand"
	"sort"
	"testing"
)

func TestHistQuantilesWithinOneIn64(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var hs [3]Hist
	var all []int64
	for i := 0; i < 30000; i++ {
		v := int64(math.Exp(rng.Float64()*18)) + rng.Int63n(50) // 0 .. ~65 ms, log-spread
		hs[i%3].Record(v)
		all = append(all, v)
	}
	var m Merged
	for i := range hs {
		m.Add(&hs[i])
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 1} {
		exact := all[int(math.Ceil(q*float64(len(all))))-1]
		got := m.Quantile(q)
		if diff := math.Abs(float64(got-exact)) / float64(exact); diff > 1.0/64+1e-9 && exact >= 64 {
			t.Errorf("q=%v: %d vs exact %d (%.4f)", q, got, exact, diff)
		}
	}
	if m.Count != 30000 || m.MaxNs != all[len(all)-1] {
		t.Fatalf("count %d max %d", m.Count, m.MaxNs)
	}
}

func TestLog2BucketsMatchPython(t *testing.T) {
	// lsim.sync.stats.histogram_bucket: min(23, (ns >> 10).bit_length())
	var h Hist
	for _, v := range []int64{0, 1023, 1024, 2047, 2048, 5000, 1 << 40} {
		h.Record(v)
	}
	var m Merged
	m.Add(&h)
	want := []uint64{2, 2, 1, 1}
	got := m.Log2()
	for i, n := range want {
		if got[i] != n {
			t.Fatalf("log2 buckets %v", got)
		}
	}
	if got[23] != 1 {
		t.Fatalf("overflow bucket %v", got)
	}
}
