package plan

import (
	"bytes"
	"encoding/json"
	"math"

	"lsim/labels"
	"lsim/labelstore"
)

// parseHeader decodes and validates the JSON header.
func (pf *File) parseHeader(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	h := &pf.Header
	if err := dec.Decode(h); err != nil {
		return errorf("header is not valid JSON (%v)", err)
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(b, &raw)
	for _, key := range []string{"design", "layout", "components", "goroutines", "gomaxprocs", "mode"} {
		if _, ok := raw[key]; !ok {
			return errorf("header: missing %q", key)
		}
	}
	known := false
	for _, d := range labelstore.Designs {
		known = known || d == h.Design
	}
	switch {
	case !known:
		return errorf("header.design: unknown design %q", h.Design)
	case h.Design == "sharded" && (h.Shards < 1 || h.Shards > labelstore.MaxShards):
		return errorf("header.shards: must be 1..%d for sharded, got %d", labelstore.MaxShards, h.Shards)
	case h.Design != "sharded" && h.Shards != 0:
		return errorf("header.shards: must be 0 for %s, got %d", h.Design, h.Shards)
	case h.Design == "directfanout" && (h.Fanouts < 1 || h.Fanouts > labelstore.MaxFanouts):
		return errorf("header.fanouts: must be 1..%d for directfanout, got %d", labelstore.MaxFanouts, h.Fanouts)
	case h.Design != "directfanout" && h.Fanouts != 0:
		return errorf("header.fanouts: must be 0 for %s, got %d", h.Design, h.Fanouts)
	case h.Goroutines < 1 || h.Goroutines > MaxGoroutines:
		return errorf("header.goroutines: must be 1..%d, got %d", MaxGoroutines, h.Goroutines)
	case h.Gomaxprocs < 1:
		return errorf("header.gomaxprocs: must be >= 1, got %d", h.Gomaxprocs)
	case h.Mode != "steady" && h.Mode != "burst":
		return errorf("header.mode: must be steady or burst, got %q", h.Mode)
	case h.Mode == "steady" && !(h.DurationS > 0):
		return errorf("header.duration_s: must be > 0, got %v", h.DurationS)
	case !(h.WarmupS >= 0):
		return errorf("header.warmup_s: must be >= 0, got %v", h.WarmupS)
	case h.Mode == "burst" && h.Iterations < 1:
		return errorf("header.iterations: must be >= 1 in burst mode, got %d", h.Iterations)
	case !(h.CensusBudget >= 0 && h.CensusBudget <= 1):
		return errorf("header.census_budget: must be in 0..1, got %v", h.CensusBudget)
	case !(h.CensusMinIntervalS >= 0):
		return errorf("header.census_min_interval_s: must be >= 0, got %v", h.CensusMinIntervalS)
	case h.FreshFrom < 0:
		return errorf("header.fresh_from: must be >= 0, got %d", h.FreshFrom)
	case !(h.StaleDurationS >= 0) || math.IsInf(h.StaleDurationS, 0):
		return errorf("header.stale_duration_s: must be >= 0, got %v", h.StaleDurationS)
	}
	layout, err := labels.ParseLayout(h.Layout)
	if err != nil {
		return errorf("header.layout: %v", err)
	}
	pf.Layout = layout
	seen := map[string]bool{}
	for _, c := range h.Components {
		if seen[c] {
			return errorf("header.components: %q twice", c)
		}
		seen[c] = true
	}
	if h.CensusBudget == 0 {
		h.CensusBudget = 0.05
	}
	return nil
}
