package plan

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
)

// builder writes a plan file by hand, following PROTOCOL.md (independently of the reader).
type builder struct {
	header map[string]any
	blob   []byte
	words  []int64
}

func newBuilder(mode string, goroutines int) *builder {
	return &builder{header: map[string]any{
		"design": "mutex", "shards": 0, "layout": "stringlabels", "components": []string{"component_0", "component_1"},
		"goroutines": goroutines, "gomaxprocs": 2, "mode": mode, "warmup_s": 0.1, "duration_s": 0.5,
		"iterations": 2, "census_budget": 0.05, "census_min_interval_s": 0.01, "stale_duration_s": 600.0, "seed": 7,
	}}
}

func (b *builder) str(s string) (int64, int64) {
	off := len(b.blob)
	b.blob = append(b.blob, s...)
	return int64(off), int64(len(s))
}

func (b *builder) series(index int64, kv ...string) {
	b.words = append(b.words, index, int64(len(kv)/2))
	for _, s := range kv {
		off, n := b.str(s)
		b.words = append(b.words, off, n)
	}
}

// step: op, series, component, local, cond, pause, pace, stale..., live...
func (b *builder) plan(steps ...[]int64) {
	b.words = append(b.words, int64(len(steps)))
	for _, s := range steps {
		b.words = append(b.words, s...)
	}
}

func (b *builder) bytes() []byte {
	var out bytes.Buffer
	out.WriteString(Magic)
	h, _ := json.Marshal(b.header)
	for _, part := range [][]byte{h, b.blob} {
		binary.Write(&out, binary.LittleEndian, uint64(len(part)))
		out.Write(part)
	}
	binary.Write(&out, binary.LittleEndian, uint64(len(b.words)))
	binary.Write(&out, binary.LittleEndian, b.words)
	return out.Bytes()
}

func read(t *testing.T, data []byte) (*File, error) {
	t.Helper()
	return Read(bytes.NewReader(data), int64(len(data)))
}

func sampleSteady() *builder {
	b := newBuilder("steady", 2)
	b.words = append(b.words, 2) // two series
	b.series(5, "__name__", "up", "job", "a")
	b.series(900000000017, "__name__", "up", "job", "b")
	b.plan([]int64{1, 5, -1, 0, 0, 0, 0, 0, 0}, []int64{3, 5, 1, 501, 0, 0, 0, 0, 0})
	for g := 0; g < 2; g++ {
		b.words = append(b.words, int64(g)*618033988)
		b.plan([]int64{1, 900000000017, -1, 0, 0, 0, 0, 0, 0})
		b.plan(
			[]int64{2, 5, 0, 0, 0, 0, 0, 0, 0},
			[]int64{3, 5, 0, 500, 1, 0, 0, 0, 0},
			[]int64{4, 5, 0, 500, 2, 0, 0, 0, 0},
			[]int64{6, -1, -1, 0, 0, 0, 0, 1, 1, 5, 900000000017},
			[]int64{0, -1, -1, 0, 0, 0, 100000000, 0, 0},
		)
	}
	return b
}

func TestRoundTripSteady(t *testing.T) {
	pf, err := read(t, sampleSteady().bytes())
	if err != nil {
		t.Fatal(err)
	}
	if pf.Design != "mutex" || pf.Goroutines != 2 || len(pf.Components) != 2 || pf.Seed.String() != "7" {
		t.Fatalf("header %+v", pf.Header)
	}
	if len(pf.Series) != 2 || pf.SeriesIndex[1] != 900000000017 || pf.Series[1].String() != `{__name__="up", job="b"}` {
		t.Fatalf("series %v %v", pf.SeriesIndex, pf.Series)
	}
	if len(pf.Setup) != 2 || pf.Setup[1].Op != OpAddLocalLink || pf.Setup[1].LocalID != 501 || pf.Setup[1].Component != 1 {
		t.Fatalf("setup %+v", pf.Setup)
	}
	g1 := pf.Steady[1]
	if g1.PhasePPB != 618033988 || len(g1.Prefix) != 1 || g1.Prefix[0].Series != 1 || len(g1.Loop) != 5 {
		t.Fatalf("goroutine 1 %+v", g1)
	}
	ts := g1.Loop[3]
	if ts.Op != OpTrackStaleness || len(ts.Stale()) != 1 || ts.Stale()[0] != 0 || ts.Live()[0] != 1 || ts.Series != -1 {
		t.Fatalf("track step %+v", ts)
	}
	if g1.Loop[1].Cond != IfNoLocal || g1.Loop[2].Cond != IfLocalChanged || g1.Loop[4].PaceNs != 1e8 {
		t.Fatalf("loop %+v", g1.Loop)
	}
	if pf.Steps != 2+2*6 {
		t.Fatalf("steps %d", pf.Steps)
	}
}

func TestRoundTripBurst(t *testing.T) {
	b := newBuilder("burst", 2)
	b.header["design"], b.header["shards"] = "sharded", 32
	b.words = append(b.words, 1)
	b.series(0, "a", "1")
	b.plan()
	for it := 0; it < 2; it++ {
		for g := 0; g < 2; g++ {
			b.plan([]int64{1, 0, -1, 0, 0, 0, 0, 0, 0}, []int64{8, -1, -1, 0, 0, 0, 0, 0, 0})
		}
	}
	pf, err := read(t, b.bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(pf.Burst) != 2 || len(pf.Burst[1]) != 2 || pf.Burst[1][1][1].Op != OpCollect || pf.Shards != 32 {
		t.Fatalf("burst %+v", pf.Burst)
	}
}

func TestDamagedFiles(t *testing.T) {
	good := sampleSteady().bytes()
	cases := map[string]func() []byte{
		"bad magic":        func() []byte { d := append([]byte{}, good...); d[0] = 'X'; return d },
		"truncated":        func() []byte { return good[:len(good)-3] },
		"word count":       func() []byte { return good[:len(good)-8] },
		"trailing bytes":   func() []byte { return append(append([]byte{}, good...), 0, 0, 0, 0, 0, 0, 0, 0) },
		"unknown op":       func() []byte { b := sampleSteady(); b.words[len(b.words)-9] = 42; return b.bytes() },
		"unknown series":   func() []byte { b := sampleSteady(); b.words[len(b.words)-8] = 3; return b.bytes() },
		"bad component":    func() []byte { b := sampleSteady(); b.words[len(b.words)-7] = 2; return b.bytes() },
		"bad design":       func() []byte { b := sampleSteady(); b.header["design"] = "nope"; return b.bytes() },
		"sharded 0 shards": func() []byte { b := sampleSteady(); b.header["design"] = "sharded"; return b.bytes() },
		"missing key":      func() []byte { b := sampleSteady(); delete(b.header, "mode"); return b.bytes() },
		"unsorted labels": func() []byte {
			b := newBuilder("steady", 1)
			b.words = append(b.words, 1)
			b.series(0, "z", "1", "a", "2")
			b.plan()
			b.words = append(b.words, 0)
			b.plan()
			b.plan()
			return b.bytes()
		},
		"blob offset": func() []byte { b := sampleSteady(); b.words[3] = 1 << 40; return b.bytes() },
		"bad header":  func() []byte { b := sampleSteady(); d := b.bytes(); d[len(Magic)+8] = '['; return d },
	}
	for name, make := range cases {
		_, err := read(t, make())
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if _, ok := err.(*Error); !ok || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %T %q", name, err, err)
		}
	}
}
