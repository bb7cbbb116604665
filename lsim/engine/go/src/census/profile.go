package census

import (
	"bufio"
	"bytes"
	"fmt"
	"runtime/pprof"
	"strconv"
	"strings"
)

// ProfRecord is one record of the block or mutex profile's text form (debug=1):
//
//	<cycles> <count> @ 0x46eed1 0x4b4165
//	#	0x46eed0	sync.(*RWMutex).Lock+0x70	/usr/lib/go-1.19/src/sync/rwmutex.go:152
type ProfRecord struct {
	Cycles int64
	Count  int64
	Stack  string  // the "@ 0x.." address list: the record's identity within one process
	Frames []Frame // innermost first
}

// Profile is a parsed block or mutex profile.
type Profile struct {
	CyclesPerSecond float64
	Records         []ProfRecord
}

// ReadProfile takes the named profile ("block" or "mutex") in text form and parses it.
func ReadProfile(name string) (*Profile, error) {
	var b bytes.Buffer
	if err := pprof.Lookup(name).WriteTo(&b, 1); err != nil {
		return nil, err
	}
	return ParseProfile(b.Bytes())
}

// ParseProfile parses a block/mutex profile's debug=1 text. Columns are aligned by a
// tabwriter, so fields are split on any run of white space.
func ParseProfile(text []byte) (*Profile, error) {
	p := &Profile{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	var cur *ProfRecord
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "cycles/second="):
			v, err := strconv.ParseFloat(strings.TrimPrefix(line, "cycles/second="), 64)
			if err != nil || v <= 0 {
				return nil, fmt.Errorf("bad %q", line)
			}
			p.CyclesPerSecond = v
		case strings.HasPrefix(line, "---"), strings.HasPrefix(line, "sampling period="), strings.TrimSpace(line) == "":
			cur = nil
		case strings.HasPrefix(line, "#"):
			if cur == nil {
				continue
			}
			f := strings.Fields(line)
			if len(f) < 4 {
				continue // "#	0x..." with no symbol
			}
			fn := f[2]
			if i := strings.LastIndex(fn, "+0x"); i > 0 {
				fn = fn[:i]
			}
			file, ln := fileLine(f[len(f)-1])
			cur.Frames = append(cur.Frames, Frame{Func: fn, File: file, Line: ln})
		default:
			at := strings.Index(line, " @")
			if at < 0 {
				return nil, fmt.Errorf("bad profile line %q", line)
			}
			nums := strings.Fields(line[:at])
			if len(nums) != 2 {
				return nil, fmt.Errorf("bad profile line %q", line)
			}
			cyc, err1 := strconv.ParseInt(nums[0], 10, 64)
			cnt, err2 := strconv.ParseInt(nums[1], 10, 64)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("bad profile line %q", line)
			}
			p.Records = append(p.Records, ProfRecord{Cycles: cyc, Count: cnt, Stack: strings.TrimSpace(line[at+2:])})
			cur = &p.Records[len(p.Records)-1]
		}
	}
	if p.CyclesPerSecond == 0 && len(p.Records) > 0 {
		return nil, fmt.Errorf("profile without cycles/second")
	}
	return p, sc.Err()
}

// Since returns p minus the earlier snapshot before (records matched by their stack).
func (p *Profile) Since(before *Profile) *Profile {
	if before == nil {
		return p
	}
	prev := map[string]ProfRecord{}
	for _, r := range before.Records {
		prev[r.Stack] = r
	}
	out := &Profile{CyclesPerSecond: p.CyclesPerSecond}
	for _, r := range p.Records {
		if b, ok := prev[r.Stack]; ok {
			r.Cycles -= b.Cycles
			r.Count -= b.Count
		}
		if r.Count > 0 || r.Cycles > 0 {
			out.Records = append(out.Records, r)
		}
	}
	return out
}

// Ns converts a record's cycles to nanoseconds with the profile's cycles/second.
func (p *Profile) Ns(r *ProfRecord) float64 {
	if p.CyclesPerSecond <= 0 {
		return 0
	}
	return float64(r.Cycles) * 1e9 / p.CyclesPerSecond
}
