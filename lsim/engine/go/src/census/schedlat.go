package census

import (
	"math"
	"runtime/metrics"
)

// Scheduling latency: how long goroutines stay runnable before they run, from the runtime's
// own histogram (runtime/metrics "/sched/latencies:seconds", Go 1.17+; the runtime times one
// in every few runnable-to-running transitions of each goroutine). Read at the window's
// start and end, the difference is the window's. It tells apart convoys that a census of
// states alone may not: waiters woken and run at once (microseconds) from woken waiters
// that pile up in the run queues for milliseconds.
const schedLatencies = "/sched/latencies:seconds"

// SchedLatency is the window's scheduling-latency distribution.
type SchedLatency struct {
	Available bool    `json:"available"` // false: this Go has no such metric
	Count     uint64  `json:"count"`     // transitions timed in the window
	MeanS     float64 `json:"mean_s"`    // from bucket midpoints
	P50S      float64 `json:"p50_s"`     // upper edge of the bucket holding the quantile
	P90S      float64 `json:"p90_s"`
	P99S      float64 `json:"p99_s"`
	Over1ms   float64 `json:"over_1ms_share"` // share of timed waits longer than 1 ms
}

// ReadSchedLatency returns the runtime's histogram so far (nil when it has none).
func ReadSchedLatency() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: schedLatencies}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	return s[0].Value.Float64Histogram()
}

// SchedLatencyBetween is the distribution of the waits timed between two reads.
func SchedLatencyBetween(before, after *metrics.Float64Histogram) SchedLatency {
	if before == nil || after == nil || len(before.Counts) != len(after.Counts) {
		return SchedLatency{}
	}
	counts := make([]uint64, len(after.Counts))
	var total uint64
	for i := range counts {
		counts[i] = after.Counts[i] - before.Counts[i]
		total += counts[i]
	}
	out := SchedLatency{Available: true, Count: total}
	if total == 0 {
		return out
	}
	edges := after.Buckets // bucket i is [edges[i], edges[i+1])
	finite := func(x, other float64) float64 {
		if math.IsInf(x, 0) {
			return other
		}
		return x
	}
	quantile := func(q float64) float64 {
		target := uint64(math.Ceil(q * float64(total)))
		var seen uint64
		for i, n := range counts {
			seen += n
			if seen >= target {
				return finite(edges[i+1], edges[i])
			}
		}
		return finite(edges[len(edges)-1], edges[len(edges)-2])
	}
	var sum float64
	var over uint64
	for i, n := range counts {
		if n == 0 {
			continue
		}
		lo, hi := finite(edges[i], 0), finite(edges[i+1], edges[i])
		sum += float64(n) * (lo + hi) / 2
		if lo >= 1e-3 {
			over += n
		}
	}
	out.MeanS = sum / float64(total)
	out.P50S, out.P90S, out.P99S = quantile(0.50), quantile(0.90), quantile(0.99)
	out.Over1ms = float64(over) / float64(total)
	return out
}
