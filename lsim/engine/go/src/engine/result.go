package engine

import (
	"lsim/census"
	"lsim/machine"
)

// Result is the one JSON object `lsimgo run` prints (PROTOCOL.md, "Result").
type Result struct {
	GoVersion   string                 `json:"go_version"`
	Gomaxprocs  int                    `json:"gomaxprocs"`
	NumCPU      int                    `json:"num_cpu"`
	Goroutines  int                    `json:"goroutines"`
	Mode        string                 `json:"mode"`
	Design      string                 `json:"design"`
	Shards      int                    `json:"shards"`
	Seed        string                 `json:"seed"`
	CensusRun   bool                   `json:"census_run"`
	Interrupted bool                   `json:"interrupted"`
	PlanReadS   float64                `json:"plan_read_s"`
	PlanSteps   int                    `json:"plan_steps"`
	StartS      float64                `json:"start_s"`
	WindowS     float64                `json:"window_s"`
	Operations  map[string]OpResult    `json:"operations"`
	Precision   string                 `json:"precision"`
	ThreadOps   []uint64               `json:"thread_ops"`
	Pace        PaceResult             `json:"pace"`
	Iterations  []int64                `json:"iterations_ns"`
	Machine     machine.Usage          `json:"machine"`
	Census      CensusResult           `json:"census"`
	LockWords   census.WordResult      `json:"lock_words"`
	SchedLat    census.SchedLatency    `json:"sched_latency"`
	Rep         []census.RepGoroutine  `json:"representative"`
	Dump        string                 `json:"dump"`
	Stacks      map[string][][2]string `json:"stacks"`
	Locks       []*census.LockReport   `json:"locks"`
	Block       census.ProfileTotals   `json:"block_profile"`
	Mutex       MutexTotals            `json:"mutex_profile"`
	Store       StoreResult            `json:"store"`
	Notes       []string               `json:"notes"`
}

// OpResult is one operation's latency in the window.
type OpResult struct {
	Count uint64   `json:"count"`
	P50Ns int64    `json:"p50_ns"`
	P99Ns int64    `json:"p99_ns"`
	MaxNs int64    `json:"max_ns"`
	Hist  []uint64 `json:"hist"`
}

// PaceResult counts pace steps in the window and how many started late.
type PaceResult struct {
	Steps uint64 `json:"steps"`
	Late  uint64 `json:"late"`
}

// CensusResult is the census block of the result.
type CensusResult struct {
	Samples           int       `json:"samples"`
	IntervalS         float64   `json:"interval_s"`
	STWsTotal         float64   `json:"stw_s_total"`
	ParseSTotal       float64   `json:"parse_s_total"`
	ShareOfWindow     float64   `json:"share_of_window"`
	Cells             [][]any   `json:"cells"`
	BlockedPerSample  []int     `json:"blocked_per_sample"`
	ObservedPerSample []int     `json:"observed_per_sample"`
	STWPerSample      []float64 `json:"stw_s_per_sample"`
	AtPerSample       []float64 `json:"at_s_per_sample"`
	Representative    int       `json:"representative"`
	Budget            float64   `json:"budget"`
	MinIntervalS      float64   `json:"min_interval_s"`
}

// MutexTotals are the mutex profile's totals in the window.
type MutexTotals struct {
	TotalNs int64 `json:"total_ns"`
	Events  int64 `json:"events"`
	StoreNs int64 `json:"store_ns"`
}

// StoreResult is the store's state after the run.
type StoreResult struct {
	GlobalIDs  int `json:"global_ids"`
	Collisions int `json:"collisions"`
}
