package executor

import "math/bits"

// Hist is a log-linear latency histogram: values below 64 ns are exact; above, each
// power-of-two octave [32*2^e, 64*2^e) has 32 buckets, so a bucket's midpoint is within 1/64
// of any value in it. One goroutine owns each Hist (no sharing); octaves are allocated on
// first use, because 20,000 goroutines x the operations they use must stay small (a dense
// table would be ~7 KiB each).
type Hist struct {
	Count  uint64
	MaxNs  int64
	linear *[64]uint32
	oct    [octaves]*[32]uint32 // oct[e-1] holds octave e
}

const octaves = 58 // e = 1..58 covers every positive int64

func octaveOf(v uint64) (e int, idx int) {
	e = bits.Len64(v) - 6
	return e, int(v>>uint(e)) - 32
}

// Record adds one latency in ns (negative counts as 0).
func (h *Hist) Record(ns int64) {
	if ns < 0 {
		ns = 0
	}
	h.Count++
	if ns > h.MaxNs {
		h.MaxNs = ns
	}
	v := uint64(ns)
	if v < 64 {
		if h.linear == nil {
			h.linear = new([64]uint32)
		}
		h.linear[v]++
		return
	}
	e, idx := octaveOf(v)
	o := h.oct[e-1]
	if o == nil {
		o = new([32]uint32)
		h.oct[e-1] = o
	}
	o[idx]++
}

// Merged is many goroutines' Hists of one operation added up (dense, one per run).
type Merged struct {
	Count  uint64
	MaxNs  int64
	linear [64]uint64
	oct    [octaves][32]uint64
}

// Add merges h.
func (m *Merged) Add(h *Hist) {
	if h == nil || h.Count == 0 {
		return
	}
	m.Count += h.Count
	if h.MaxNs > m.MaxNs {
		m.MaxNs = h.MaxNs
	}
	if h.linear != nil {
		for i, n := range h.linear {
			m.linear[i] += uint64(n)
		}
	}
	for e, o := range h.oct {
		if o != nil {
			for i, n := range o {
				m.oct[e][i] += uint64(n)
			}
		}
	}
}

// each calls f(lo, width, count) for every non-empty bucket in increasing order.
func (m *Merged) each(f func(lo, width uint64, n uint64) bool) {
	for v, n := range m.linear {
		if n != 0 && !f(uint64(v), 1, n) {
			return
		}
	}
	for e := 1; e <= octaves; e++ {
		for i, n := range m.oct[e-1] {
			if n != 0 && !f(uint64(32+i)<<uint(e), 1<<uint(e), n) {
				return
			}
		}
	}
}

// Quantile is the nearest-rank quantile q (0..1): the midpoint of the bucket holding the
// ceil(q*count)-th value, never above the exact maximum.
func (m *Merged) Quantile(q float64) int64 {
	if m.Count == 0 {
		return 0
	}
	rank := uint64(q*float64(m.Count) + 0.999999999)
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	var out int64
	m.each(func(lo, width, n uint64) bool {
		seen += n
		if seen >= rank {
			out = int64(lo + width/2)
			return false
		}
		return true
	})
	if out > m.MaxNs {
		out = m.MaxNs
	}
	return out
}

// Log2Buckets is lsim's wait/latency histogram (lsim/sync/stats.py): bucket i counts
// latencies < 2**i microseconds (i.e. min(23, bitlen(ns >> 10))), 24 buckets. Octave bounds
// are powers of two, so each fine bucket falls in exactly one of them.
const Log2Buckets = 24

// Log2 returns the 24 log2-microsecond buckets.
func (m *Merged) Log2() []uint64 {
	out := make([]uint64, Log2Buckets)
	m.each(func(lo, _ uint64, n uint64) bool {
		b := bits.Len64(lo >> 10)
		if b > Log2Buckets-1 {
			b = Log2Buckets - 1
		}
		out[b] += n
		return true
	})
	return out
}
