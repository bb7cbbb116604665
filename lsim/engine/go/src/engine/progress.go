package engine

import (
	"encoding/json"
	"io"
	"sync"
)

// Progress writes one JSON line per event to stderr ({"phase":"measuring","done":0.42}).
type Progress struct {
	mu sync.Mutex
	w  io.Writer
}

// NewProgress writes to w (nil: nowhere).
func NewProgress(w io.Writer) *Progress { return &Progress{w: w} }

// Phase reports a phase; done < 0 leaves "done" out.
func (p *Progress) Phase(phase string, done float64) {
	if p == nil || p.w == nil {
		return
	}
	ev := map[string]any{"phase": phase}
	if done >= 0 {
		if done > 1 {
			done = 1
		}
		ev["done"] = float64(int(done*1000)) / 1000
	}
	b, _ := json.Marshal(ev)
	p.mu.Lock()
	p.w.Write(append(b, '\n'))
	p.mu.Unlock()
}
