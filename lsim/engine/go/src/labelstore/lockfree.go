package labelstore

import (
	"sort"
	"sync"
	"sync/atomic"

	"lsim/labels"
)

// LockFreeService is design "lockfree" (lsim/stores/lockfree.py, option 6): no store-level
// lock. Where the Python design relies on single dict operations that are atomic under the
// GIL, this one uses what Go offers for the same steps:
//
//   - labelsHashToGlobal: sync.Map; a miss is Load then LoadOrStore(hash, new entry), the
//     Python dict.setdefault. Racing inserters all get the winner's id; each loser drew an
//     id from the atomic counter that is never used, so ids may have gaps.
//   - mappings: sync.Map component -> mapping, created with LoadOrStore; each mapping's two
//     directions are sync.Maps too, and a link is two separate Stores (a reader may briefly
//     see one direction without the other); ReplaceLocalLink is a Delete and two Stores.
//   - staleGlobals: sync.Map; TrackStaleness Stores and Deletes markers.
//   - CheckAndRemoveStaleMarkers ranges over the markers, LoadAndDeletes each expired one
//     and checks it is still the marker it judged (a re-marked one is put back with
//     LoadOrStore), as state.py's pop_expired does on its copy.
//   - Collect counts entries with Range (sync.Map has no Len).
//
// The sync.Maps' own internal locks (Go < 1.24: sync.Map.mu on a miss or a new key; Go >=
// 1.24: the hash-trie's node locks on inserts and deletes) are the only waits left; they
// are announced and reported as labelstore.Service.<field>(sync.Map).mu and
// labelstore.mapping[<component>].<direction>(sync.Map).mu.
type LockFreeService struct {
	labelsHashToGlobal sync.Map // uint64 -> *entry
	globalRefID        atomic.Uint64
	mappings           sync.Map // string -> *lockFreeMapping
	staleGlobals       sync.Map // uint64 -> *staleMarker
	colliding          sync.Map // label set key -> struct{} (lsim's collision bookkeeping)
	nextLock           atomic.Int32

	cfg config
}

type lockFreeMapping struct {
	component     string
	localToGlobal sync.Map // uint64 -> uint64
	globalToLocal sync.Map // uint64 -> uint64
	l2gID, g2lID  int32
}

const (
	lfHashID = iota
	lfMappingsID
	lfStaleID
	lfCollidingID
	lfFirstMappingID
)

func newLockFreeService(c config) *LockFreeService {
	s := &LockFreeService{cfg: c}
	s.nextLock.Store(lfFirstMappingID)
	return s
}

func (s *LockFreeService) getOrAdd(w *Ctx, h uint64, l *labels.Labels) uint64 {
	w.Lock = lfHashID
	v, ok := s.labelsHashToGlobal.Load(h)
	if !ok {
		w.Lock = lfHashID
		v, _ = s.labelsHashToGlobal.LoadOrStore(h, &entry{id: s.globalRefID.Add(1), first: l})
	}
	e := v.(*entry)
	if !e.first.Equal(l) {
		w.Lock = lfCollidingID
		s.colliding.LoadOrStore(l.Key(), struct{}{})
	}
	return e.id
}

func (s *LockFreeService) find(w *Ctx, component string) *lockFreeMapping {
	w.Lock = lfMappingsID
	if v, ok := s.mappings.Load(component); ok {
		return v.(*lockFreeMapping)
	}
	return nil
}

// mappingFor is state.py's mapping_for: exactly one new mapping wins and everyone uses it.
func (s *LockFreeService) mappingFor(w *Ctx, component string) *lockFreeMapping {
	if m := s.find(w, component); m != nil {
		return m
	}
	id := s.nextLock.Add(2) - 2 // a loser's two IDs stay unused
	w.Lock = lfMappingsID
	v, _ := s.mappings.LoadOrStore(component, &lockFreeMapping{component: component, l2gID: id, g2lID: id + 1})
	return v.(*lockFreeMapping)
}

func (m *lockFreeMapping) link(w *Ctx, global, local uint64) {
	w.Lock = m.l2gID
	m.localToGlobal.Store(local, global)
	w.Lock = m.g2lID
	m.globalToLocal.Store(global, local)
}

func (s *LockFreeService) GetOrAddGlobalRefID(w *Ctx, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	return s.getOrAdd(w, s.cfg.hash(l), l)
}

func (s *LockFreeService) GetLocalRefID(w *Ctx, componentID string, globalRefID uint64) uint64 {
	m := s.find(w, componentID)
	if m == nil {
		return 0
	}
	w.Lock = m.g2lID
	if v, ok := m.globalToLocal.Load(globalRefID); ok {
		return v.(uint64)
	}
	return 0
}

func (s *LockFreeService) AddLocalLink(w *Ctx, componentID string, globalRefID, localRefID uint64) {
	s.mappingFor(w, componentID).link(w, globalRefID, localRefID)
}

func (s *LockFreeService) ReplaceLocalLink(w *Ctx, componentID string, globalRefID, cachedLocalRef, newLocalRef uint64) {
	m := s.find(w, componentID)
	if m == nil {
		s.mappingFor(w, componentID).link(w, globalRefID, newLocalRef)
		return
	}
	w.Lock = m.l2gID
	m.localToGlobal.Delete(cachedLocalRef)
	m.link(w, globalRefID, newLocalRef)
}

func (s *LockFreeService) GetOrAddLink(w *Ctx, componentID string, localRefID uint64, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	id := s.getOrAdd(w, s.cfg.hash(l), l)
	s.mappingFor(w, componentID).link(w, id, localRefID)
	return id
}

func (s *LockFreeService) TrackStaleness(w *Ctx, ids []StalenessTracker) {
	batch := s.cfg.split(ids)
	for i := range batch.marked {
		m := batch.marked[i]
		w.Lock = lfStaleID
		s.staleGlobals.Store(m.globalID, &m)
	}
	for _, g := range batch.revived {
		w.Lock = lfStaleID
		s.staleGlobals.Delete(g)
	}
}

func (s *LockFreeService) CheckAndRemoveStaleMarkers(w *Ctx, now int64) int {
	now = s.cfg.nowOr(now)
	var judged []*staleMarker
	w.Lock = lfStaleID
	s.staleGlobals.Range(func(_, v any) bool {
		if m := v.(*staleMarker); now-m.lastMarkedStale >= s.cfg.staleDur {
			judged = append(judged, m)
		}
		return true
	})
	var expired []*staleMarker
	for _, m := range judged {
		w.Lock = lfStaleID
		cur, ok := s.staleGlobals.LoadAndDelete(m.globalID)
		if !ok {
			continue // revived meanwhile
		}
		if cur.(*staleMarker) != m { // re-marked since it was judged: put it back
			w.Lock = lfStaleID
			s.staleGlobals.LoadOrStore(m.globalID, cur)
			continue
		}
		expired = append(expired, m)
	}
	for _, m := range expired {
		w.Lock = lfHashID
		s.labelsHashToGlobal.Delete(m.labelHash)
	}
	if len(expired) > 0 {
		gone := goneIDs(expired)
		for _, m := range s.allMappings() {
			for _, g := range gone {
				w.Lock = m.g2lID
				if local, ok := m.globalToLocal.LoadAndDelete(g); ok {
					w.Lock = m.l2gID
					m.localToGlobal.Delete(local)
				}
			}
		}
	}
	return len(expired)
}

func (s *LockFreeService) allMappings() []*lockFreeMapping {
	var out []*lockFreeMapping
	s.mappings.Range(func(_, v any) bool { out = append(out, v.(*lockFreeMapping)); return true })
	sort.Slice(out, func(i, j int) bool { return out[i].l2gID < out[j].l2gID })
	return out
}

func (s *LockFreeService) Collect(w *Ctx) Counts {
	c := Counts{PerComponent: map[string]int{}}
	w.Lock = lfHashID
	s.labelsHashToGlobal.Range(func(_, _ any) bool { c.GlobalIDs++; return true })
	w.Lock = lfMappingsID
	for _, m := range s.allMappings() {
		n := 0
		w.Lock = m.g2lID
		m.globalToLocal.Range(func(_, _ any) bool { n++; return true })
		c.PerComponent[m.component] = n
	}
	return c
}

func (s *LockFreeService) Collisions() int {
	n := 0
	s.colliding.Range(func(_, _ any) bool { n++; return true })
	return n
}

func (s *LockFreeService) Locks() []LockInfo {
	out := []LockInfo{
		{ID: lfHashID, Name: "labelstore.Service.labelsHashToGlobal(sync.Map).mu", Kind: "mutex", Field: "labelsHashToGlobal", SyncMap: true},
		{ID: lfMappingsID, Name: "labelstore.Service.mappings(sync.Map).mu", Kind: "mutex", Field: "mappings", SyncMap: true},
		{ID: lfStaleID, Name: "labelstore.Service.staleGlobals(sync.Map).mu", Kind: "mutex", Field: "staleGlobals", SyncMap: true},
		{ID: lfCollidingID, Name: "labelstore.Service.colliding(sync.Map).mu", Kind: "mutex", Field: "colliding", SyncMap: true},
	}
	for _, m := range s.allMappings() {
		prefix := "labelstore.mapping[" + m.component + "]."
		out = append(out,
			LockInfo{ID: m.l2gID, Name: prefix + "localToGlobal(sync.Map).mu", Kind: "mutex", Field: "localToGlobal", SyncMap: true},
			LockInfo{ID: m.g2lID, Name: prefix + "globalToLocal(sync.Map).mu", Kind: "mutex", Field: "globalToLocal", SyncMap: true})
	}
	return out
}

func (s *LockFreeService) Counts() []LockCount { return make([]LockCount, len(s.Locks())) }

func (s *LockFreeService) LinkTables(component string) (map[uint64]uint64, map[uint64]uint64) {
	l2g, g2l := map[uint64]uint64{}, map[uint64]uint64{}
	if v, ok := s.mappings.Load(component); ok {
		m := v.(*lockFreeMapping)
		m.localToGlobal.Range(func(k, v any) bool { l2g[k.(uint64)] = v.(uint64); return true })
		m.globalToLocal.Range(func(k, v any) bool { g2l[k.(uint64)] = v.(uint64); return true })
	}
	return l2g, g2l
}

func (s *LockFreeService) ProbeHold()    {}
func (s *LockFreeService) ProbeRelease() {}
