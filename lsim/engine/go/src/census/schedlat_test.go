package census

import (
	"math"
	"runtime/metrics"
	"testing"
)

// The window's distribution is the difference of two reads, quantiles at bucket upper edges.
func TestSchedLatencyBetween(t *testing.T) {
	edges := []float64{math.Inf(-1), 0, 1e-6, 1e-5, 1e-3, 1e-2, math.Inf(1)}
	before := &metrics.Float64Histogram{Buckets: edges, Counts: []uint64{0, 5, 0, 0, 0, 0}}
	// the window adds 80 waits under 1 us, 10 of 10 us-1 ms, 10 of 1-10 ms
	after := &metrics.Float64Histogram{Buckets: edges, Counts: []uint64{0, 85, 0, 10, 10, 0}}
	got := SchedLatencyBetween(before, after)
	if !got.Available || got.Count != 100 {
		t.Fatalf("got %+v, want 100 waits", got)
	}
	if got.P50S != 1e-6 || got.P90S != 1e-3 || got.P99S != 1e-2 {
		t.Fatalf("quantiles %v %v %v, want 1us, 1ms, 10ms", got.P50S, got.P90S, got.P99S)
	}
	if got.Over1ms != 0.1 {
		t.Fatalf("over 1 ms = %v, want 0.1", got.Over1ms)
	}
	want := (80*0.5e-6 + 10*(1e-5+1e-3)/2 + 10*(1e-3+1e-2)/2) / 100
	if math.Abs(got.MeanS-want) > 1e-12 {
		t.Fatalf("mean %v, want %v", got.MeanS, want)
	}
	if empty := SchedLatencyBetween(after, after); !empty.Available || empty.Count != 0 {
		t.Fatalf("no waits: %+v", empty)
	}
	if none := SchedLatencyBetween(nil, after); none.Available {
		t.Fatalf("a missing read must leave it unavailable: %+v", none)
	}
}

// The Go that builds lsimgo has the metric (Go 1.17+).
func TestReadSchedLatency(t *testing.T) {
	if h := ReadSchedLatency(); h == nil || len(h.Buckets) != len(h.Counts)+1 {
		t.Fatalf("no usable %s histogram: %+v", schedLatencies, h)
	}
}
