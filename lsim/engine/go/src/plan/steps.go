package plan

import (
	"fmt"

	"lsim/labels"
)

// parseWords reads the series table and every plan (the word layout of PROTOCOL.md).
func (pf *File) parseWords(w *words, blob string) error {
	n, err := w.count("series table", 2)
	if err != nil {
		return err
	}
	pos := make(map[int64]int32, n)
	pf.Series = make([]*labels.Labels, n)
	pf.SeriesIndex = make([]int64, n)
	for i := 0; i < n; i++ {
		index, err := w.next("series table")
		if err != nil {
			return err
		}
		if _, dup := pos[index]; dup {
			return errorf("series table: series %d twice", index)
		}
		np, err := w.count("series table", 4)
		if err != nil {
			return errorf("series %d: %s", index, err.(*Error).Msg)
		}
		pairs := make([][2]string, np)
		for j := range pairs {
			for k := 0; k < 2; k++ {
				off, err := w.next("series table")
				if err != nil {
					return err
				}
				ln, err := w.next("series table")
				if err != nil {
					return err
				}
				if off < 0 || ln < 0 || off > int64(len(blob)) || ln > int64(len(blob))-off {
					return errorf("series %d: string at %d+%d is outside the %d-byte blob", index, off, ln, len(blob))
				}
				pairs[j][k] = blob[off : off+ln]
			}
		}
		ls, err := labels.FromSorted(pairs)
		if err != nil {
			return errorf("series %d: %v", index, err)
		}
		pos[index] = int32(i)
		pf.Series[i] = ls
		pf.SeriesIndex[i] = index
	}
	rd := &stepReader{w: w, index: newSeriesIndex(pos), components: len(pf.Components), fanouts: pf.Fanouts}
	if pf.Setup, err = rd.plan("setup plan"); err != nil {
		return err
	}
	g := pf.Goroutines
	if pf.Mode == "steady" {
		pf.Steady = make([]Goroutine, g)
		for i := range pf.Steady {
			phase, err := w.next(fmt.Sprintf("goroutine %d phase", i))
			if err != nil {
				return err
			}
			if phase < 0 || phase >= 1e9 {
				return errorf("goroutine %d: phase %d ppb is outside 0..999999999", i, phase)
			}
			pf.Steady[i].PhasePPB = phase
			if pf.Steady[i].Prefix, err = rd.plan(fmt.Sprintf("goroutine %d prefix", i)); err != nil {
				return err
			}
			if pf.Steady[i].Loop, err = rd.plan(fmt.Sprintf("goroutine %d loop", i)); err != nil {
				return err
			}
		}
	} else {
		pf.Burst = make([][]Plan, pf.Iterations)
		for it := range pf.Burst {
			pf.Burst[it] = make([]Plan, g)
			for i := range pf.Burst[it] {
				if pf.Burst[it][i], err = rd.plan(fmt.Sprintf("iteration %d goroutine %d", it, i)); err != nil {
					return err
				}
			}
		}
	}
	pf.Steps = rd.steps
	return nil
}

type stepReader struct {
	w          *words
	index      seriesIndex
	components int
	fanouts    int
	steps      int
	arena      []int32 // stale/live lists, sliced out of shared chunks
}

const stepWords = 9

func (rd *stepReader) plan(what string) (Plan, error) {
	n, err := rd.w.count(what, stepWords)
	if err != nil {
		return nil, err
	}
	p := make(Plan, n)
	for i := range p {
		if err := rd.step(&p[i]); err != nil {
			return nil, errorf("%s step %d: %s", what, i, err.(*Error).Msg)
		}
	}
	rd.steps += n
	return p, nil
}

// step reads one step; its errors say what is wrong, the caller says where.
func (rd *stepReader) step(s *Step) error {
	const what = "step"

	var v [stepWords]int64
	for i := range v {
		x, err := rd.w.next(what)
		if err != nil {
			return err
		}
		v[i] = x
	}
	op, series, comp, local, cond, pause, pace, nstale, nlive := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]
	if op < 0 || op >= int64(NumOps) {
		return errorf("unknown op %d", op)
	}
	if cond < 0 || cond > int64(IfMappingChanged) {
		return errorf("unknown condition %d", cond)
	}
	o := Op(op)
	if o.IsFanout() {
		if comp < -1 || comp >= int64(rd.fanouts) {
			return errorf("%s: fanout %d is not in the header's %d fanouts", OpNames[o], comp, rd.fanouts)
		}
		if comp < 0 {
			return errorf("%s needs a fanout", OpNames[o])
		}
	} else if comp < -1 || comp >= int64(rd.components) {
		return errorf("component %d is not in the header's %d components", comp, rd.components)
	}
	if (local < 0 && !(o == OpGetMapping && local == CachedRef) && !(o == OpNone && local == CachedRef)) || pause < 0 || pace < 0 {
		return errorf("negative local_id, pause_ns or pace_ns")
	}
	if nstale < 0 || nlive < 0 || nstale+nlive > rd.w.left {
		return errorf("stale/live counts %d/%d do not fit the words left", nstale, nlive)
	}
	if o == OpCreateMapping || o == OpUpdateMapping || o == OpGetMapping {
		if series < 0 {
			return errorf("%s needs a series", OpNames[o])
		}
	}
	switch o {
	case OpGetOrAddGlobalRefID, OpGetOrAddLink:
		if series < 0 {
			return errorf("%s needs a series", OpNames[o])
		}
	}
	switch o {
	case OpGetLocalRefID, OpAddLocalLink, OpReplaceLocalLink, OpGetOrAddLink:
		if comp < 0 {
			return errorf("%s needs a component", OpNames[o])
		}
	}
	s.Op, s.Cond, s.Component, s.LocalID, s.PauseNs, s.PaceNs = o, Condition(cond), int32(comp), uint64(local), pause, pace
	s.Series = -1
	if series != -1 {
		p, ok := rd.index.lookup(series)
		if !ok {
			return errorf("series %d is not in the series table", series)
		}
		s.Series = p
	}
	s.Given = local
	if local < 0 {
		s.LocalID = 0
	}
	if o == OpCreateMapping || o == OpUpdateMapping { // the live words are child refs
		if nstale != 0 {
			return errorf("%s has no stale list", OpNames[o])
		}
		s.Refs = make([]uint64, nlive)
		for i := range s.Refs {
			x, err := rd.w.next(what)
			if err != nil {
				return err
			}
			if x < 0 {
				return errorf("%s: negative child ref %d", OpNames[o], x)
			}
			s.Refs[i] = uint64(x)
		}
		return nil
	}
	var err error
	s.NStale = int32(nstale)
	s.Lists, err = rd.list(int(nstale+nlive), what)
	return err
}

func (rd *stepReader) list(n int, what string) ([]int32, error) {
	if n == 0 {
		return nil, nil
	}
	if len(rd.arena)+n > cap(rd.arena) {
		size := 1 << 16
		if n > size {
			size = n
		}
		rd.arena = make([]int32, 0, size)
	}
	start := len(rd.arena)
	for i := 0; i < n; i++ {
		x, err := rd.w.next(what)
		if err != nil {
			return nil, err
		}
		p, ok := rd.index.lookup(x)
		if !ok {
			return nil, errorf("stale/live series %d is not in the series table", x)
		}
		rd.arena = append(rd.arena, p)
	}
	return rd.arena[start:len(rd.arena):len(rd.arena)], nil
}

// seriesIndex maps a plan's series index to its position in the table: a flat slice when
// the indices are dense (no churn), a map otherwise.
type seriesIndex struct {
	flat []int32 // position+1, 0 = absent
	m    map[int64]int32
}

func newSeriesIndex(pos map[int64]int32) seriesIndex {
	var max int64 = -1
	for k := range pos {
		if k < 0 {
			return seriesIndex{m: pos}
		}
		if k > max {
			max = k
		}
	}
	if max >= 4*int64(len(pos))+1024 {
		return seriesIndex{m: pos}
	}
	flat := make([]int32, max+1)
	for k, v := range pos {
		flat[k] = v + 1
	}
	return seriesIndex{flat: flat}
}

func (s *seriesIndex) lookup(series int64) (int32, bool) {
	if s.m != nil {
		p, ok := s.m[series]
		return p, ok
	}
	if series < 0 || series >= int64(len(s.flat)) || s.flat[series] == 0 {
		return 0, false
	}
	return s.flat[series] - 1, true
}
