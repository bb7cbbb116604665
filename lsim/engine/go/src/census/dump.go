// Package census samples goroutine dumps (runtime.Stack(buf, true)) during the measured
// window and reads them afterwards the way a person reads a dump: the header's wait
// reason gives the state, the sync frames give the lock kind, the store method frame gives
// the operation, and the store line that called the lock (plus the lock the goroutine
// announced) gives the lock's name. It also reads the block and mutex profiles' text form
// and charges each record to a store operation and lock.
package census

import (
	"bytes"
	"path"
	"strconv"
	"strings"
)

// Frame is one stack frame: the function (Go form, arguments stripped) and where it is.
type Frame struct {
	Func string
	File string // base name
	Line int
}

// Key is "file.go:line".
func (f Frame) Key() string { return f.File + ":" + strconv.Itoa(f.Line) }

// Record is one goroutine of a dump.
type Record struct {
	ID      int64
	Reason  string  // the wait reason: running, runnable, semacquire, sync.Mutex.Lock, sleep, ...
	Minutes int     // ", N minutes" (0 when absent)
	Frames  []Frame // innermost first; "created by" is not a frame
	// CreatedBy is the function of the "created by F [in goroutine N]" line.
	CreatedBy string
}

// ParseDump splits a runtime.Stack(all) text into goroutine records. Unknown lines are
// skipped, so newer header decorations do not break it.
func ParseDump(text []byte) []Record {
	var out []Record
	for len(text) > 0 {
		var block []byte
		if i := bytes.Index(text, []byte("\n\n")); i >= 0 {
			block, text = text[:i], text[i+2:]
		} else {
			block, text = text, nil
		}
		if r, ok := parseRecord(block); ok {
			out = append(out, r)
		}
	}
	return out
}

// ParseHeader reads "goroutine 18 [sync.Mutex.Lock, 2 minutes]:" (also with "gp=..."
// decorations before the bracket, and ", locked to thread" after the reason).
func ParseHeader(line string) (id int64, reason string, minutes int, ok bool) {
	rest := strings.TrimPrefix(line, "goroutine ")
	if len(rest) == len(line) {
		return 0, "", 0, false
	}
	sp := strings.IndexAny(rest, " [")
	if sp <= 0 {
		return 0, "", 0, false
	}
	id, err := strconv.ParseInt(rest[:sp], 10, 64)
	if err != nil {
		return 0, "", 0, false
	}
	open := strings.IndexByte(rest, '[')
	close := strings.LastIndexByte(rest, ']')
	if open < 0 || close < open {
		return 0, "", 0, false
	}
	parts := strings.Split(rest[open+1:close], ", ")
	reason = parts[0]
	for _, p := range parts[1:] {
		if strings.HasSuffix(p, " minutes") {
			if n, err := strconv.Atoi(strings.TrimSuffix(p, " minutes")); err == nil {
				minutes = n
			}
		}
	}
	return id, reason, minutes, true
}

func parseRecord(block []byte) (Record, bool) {
	lines := strings.Split(strings.TrimSpace(string(block)), "\n")
	if len(lines) == 0 {
		return Record{}, false
	}
	id, reason, minutes, ok := ParseHeader(lines[0])
	if !ok {
		return Record{}, false
	}
	r := Record{ID: id, Reason: reason, Minutes: minutes}
	for i := 1; i < len(lines); i++ {
		fn := lines[i]
		if strings.HasPrefix(fn, "created by ") {
			r.CreatedBy = strings.TrimPrefix(fn, "created by ")
			if sp := strings.IndexByte(r.CreatedBy, ' '); sp >= 0 {
				r.CreatedBy = r.CreatedBy[:sp]
			}
			break
		}
		if strings.HasPrefix(fn, "\t") || strings.HasPrefix(fn, "...") {
			continue
		}
		if p := strings.LastIndexByte(fn, '('); p > 0 {
			fn = fn[:p]
		}
		f := Frame{Func: fn}
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			f.File, f.Line = fileLine(strings.TrimPrefix(lines[i+1], "\t"))
			i++
		}
		r.Frames = append(r.Frames, f)
	}
	return r, true
}

// fileLine reads "/path/file.go:123 +0x1d" (or "file.go:123") into ("file.go", 123).
func fileLine(s string) (string, int) {
	if sp := strings.IndexByte(s, ' '); sp >= 0 {
		s = s[:sp]
	}
	c := strings.LastIndexByte(s, ':')
	if c < 0 {
		return path.Base(s), 0
	}
	n, _ := strconv.Atoi(s[c+1:])
	return path.Base(s[:c]), n
}
