// Package plan reads and validates the plan file Python writes (PROTOCOL.md, "Plan file"):
//
//	"LSIMPLAN1\n" | u64 H, H bytes header JSON | u64 S, S bytes string blob | u64 W, W x int64
//
// The words hold the series table, the setup plan, then per goroutine (steady: phase, prefix,
// loop) or per iteration and goroutine (burst) a plan of steps. Any damage (bad magic, sizes
// that disagree with the file, an unknown op, a series not in the table, words left over)
// is an *Error whose message is one line naming what is wrong; main exits 2 with it.
package plan

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"lsim/labels"
)

// Magic starts every plan file.
const Magic = "LSIMPLAN1\n"

// Op is lsim.sync.states.Operation.
type Op uint8

const (
	OpNone Op = iota // think/pace step
	OpGetOrAddGlobalRefID
	OpGetLocalRefID
	OpAddLocalLink
	OpReplaceLocalLink
	OpGetOrAddLink
	OpTrackStaleness
	OpCheckAndRemoveStaleMarkers
	OpCollect
	OpGetMapping // directfanout's calls (a Fanout's SeriesRefMappingStore)
	OpCreateMapping
	OpUpdateMapping
	OpTrackAppendedSeries
	OpCleanupStaleRefs
	NumOps
)

// IsFanout reports whether op is one of directfanout's calls (its component is a Fanout).
func (op Op) IsFanout() bool { return op >= OpGetMapping && op < NumOps }

// CachedRef is GetMapping's local id for "give the ref the scrape cached" (steps.py).
const CachedRef = -1

// OpNames are Alloy's method names, indexed by Op ("" for OpNone).
var OpNames = [NumOps]string{"", "GetOrAddGlobalRefID", "GetLocalRefID", "AddLocalLink",
	"ReplaceLocalLink", "GetOrAddLink", "TrackStaleness", "CheckAndRemoveStaleMarkers", "Collect",
	"GetMapping", "CreateMapping", "UpdateMapping", "TrackAppendedSeries", "cleanupStaleRefs"}

// OpByName maps a method name to its Op.
var OpByName = func() map[string]Op {
	m := map[string]Op{}
	for i, n := range OpNames {
		if n != "" {
			m[n] = Op(i)
		}
	}
	return m
}()

// Condition is lsim.workload.steps.Condition.
type Condition uint8

const (
	Always Condition = iota
	IfNoLocal
	IfLocalChanged
	IfNoMapping
	IfMappingChanged
)

// Step is one step of a plan. Series indices are positions in File.Series (the file's own
// series index is File.SeriesIndex[pos]); -1 means none.
type Step struct {
	Op        Op
	Cond      Condition
	Series    int32
	Component int32
	LocalID   uint64
	PauseNs   int64
	PaceNs    int64
	NStale    int32
	// Lists holds the TrackStaleness series: the first NStale are stale, the rest live
	// (one slice, not two: a 20,000-goroutine plan has millions of steps).
	Lists []int32
	// Refs are Create/UpdateMapping's child refs (the words of the live list, PROTOCOL.md).
	Refs []uint64
	// Given is GetMapping's local id as sent: > 0 a ref, 0, or CachedRef.
	Given int64
}

// Stale are a TrackStaleness step's stale series.
func (s *Step) Stale() []int32 { return s.Lists[:s.NStale] }

// Live are a TrackStaleness step's live series.
func (s *Step) Live() []int32 { return s.Lists[s.NStale:] }

// Plan is a sequence of steps.
type Plan []Step

// Goroutine is one steady goroutine: its pacing phase and its prefix and loop plans.
type Goroutine struct {
	PhasePPB int64 // scrape phase in parts per billion of a pacing period
	Prefix   Plan
	Loop     Plan
}

// Header is the plan file's JSON header.
type Header struct {
	Design             string      `json:"design"`
	Shards             int         `json:"shards"`
	Layout             string      `json:"layout"`
	Components         []string    `json:"components"`
	Goroutines         int         `json:"goroutines"`
	Gomaxprocs         int         `json:"gomaxprocs"`
	Mode               string      `json:"mode"`
	WarmupS            float64     `json:"warmup_s"`
	DurationS          float64     `json:"duration_s"`
	Iterations         int         `json:"iterations"`
	CensusBudget       float64     `json:"census_budget"`
	CensusMinIntervalS float64     `json:"census_min_interval_s"`
	StaleDurationS     float64     `json:"stale_duration_s"`
	Fanouts            int         `json:"fanouts"`
	Seed               json.Number `json:"seed"`

	// FreshFrom: series indices from this one up are label sets the workload has never
	// seen (new series). A replayed loop gives them a new label set per pass, so they stay
	// new as they do in the threads and model engines' endless plans. 0: none.
	FreshFrom int64 `json:"fresh_from"`
}

// File is a plan file, read and validated.
type File struct {
	Header
	Layout      labels.Layout
	Series      []*labels.Labels
	SeriesIndex []int64
	Setup       Plan
	Steady      []Goroutine // mode steady
	Burst       [][]Plan    // mode burst: [iteration][goroutine]
	Steps       int
}

// FreshSeries marks the positions of File.Series that hold never-seen label sets.
func (pf *File) FreshSeries() []bool {
	fresh := make([]bool, len(pf.SeriesIndex))
	for i, idx := range pf.SeriesIndex {
		fresh[i] = pf.FreshFrom > 0 && idx >= pf.FreshFrom
	}
	return fresh
}

// Error is a damaged or invalid plan file.
type Error struct{ Msg string }

func (e *Error) Error() string { return "plan file: " + e.Msg }

func errorf(format string, args ...any) error { return &Error{fmt.Sprintf(format, args...)} }

// MaxGoroutines bounds the header's goroutines (lsim's own limit is 1,000,000).
const MaxGoroutines = 10_000_000

// ReadFile reads and validates the plan file at path.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{err.Error()}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &Error{err.Error()}
	}
	return Read(f, st.Size())
}

// Read reads a plan of size bytes from r.
func Read(r io.Reader, size int64) (*File, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic := make([]byte, len(Magic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != Magic {
		return nil, errorf("not an lsim plan (bad magic)")
	}
	left := size - int64(len(Magic))
	header, err := section(br, &left, "header")
	if err != nil {
		return nil, err
	}
	blob, err := section(br, &left, "string blob")
	if err != nil {
		return nil, err
	}
	n, err := u64(br, &left, "word count")
	if err != nil {
		return nil, err
	}
	if left < 0 || n > uint64(left)/8 || n*8 != uint64(left) {
		return nil, errorf("word count %d does not match the %d bytes left in the file", n, left)
	}
	pf := &File{}
	if err := pf.parseHeader(header); err != nil {
		return nil, err
	}
	wr := &words{r: br, left: int64(n)}
	if err := pf.parseWords(wr, string(blob)); err != nil {
		return nil, err
	}
	if wr.left != 0 {
		return nil, errorf("%d words left over after the last plan", wr.left)
	}
	return pf, nil
}

func u64(br *bufio.Reader, left *int64, what string) (uint64, error) {
	var b [8]byte
	if *left < 8 {
		return 0, errorf("truncated before the %s", what)
	}
	if _, err := io.ReadFull(br, b[:]); err != nil {
		return 0, errorf("truncated before the %s", what)
	}
	*left -= 8
	return binary.LittleEndian.Uint64(b[:]), nil
}

func section(br *bufio.Reader, left *int64, what string) ([]byte, error) {
	n, err := u64(br, left, what+" size")
	if err != nil {
		return nil, err
	}
	if n > uint64(*left) {
		return nil, errorf("%s of %d bytes runs past the end of the file", what, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(br, b); err != nil {
		return nil, errorf("truncated %s", what)
	}
	*left -= int64(n)
	return b, nil
}
