package labelstore

import (
	"sync"
	"sync/atomic"

	"lsim/labels"
)

// PerComponentService is design "percomponent" (lsim/stores/percomponent.py, option 5):
// Service.mut guards the hash map, the id counter, the stale markers and the creation of
// mappings; each mapping's mu (RWMutex, named labelstore.mapping[<component>].mu) guards its
// two maps, so components never block each other on GetLocalRefID/AddLocalLink/
// ReplaceLocalLink.
//
// Finding a mapping takes no lock: mappings is copy-on-write, a new map published with one
// atomic pointer store under Service.mut whenever a component appears. A miss re-checks
// under Service.mut before creating. Lock order: Service.mut -> mapping.mu, never the
// reverse (GetOrAddLink, the GC and Collect hold Service.mut while taking mapping locks).
type PerComponentService struct {
	mut      sync.Mutex
	mutStats exclStats
	mappings atomic.Pointer[map[string]*remoteWriteMapping] // replaced, never mutated
	nextLock int32                                          // next mapping lock ID (under mut)

	cfg                config
	labelsHashToGlobal globalIDs
	staleGlobals       staleMarkers
}

const pcMutID = 0

func newPerComponentService(c config) *PerComponentService {
	s := &PerComponentService{cfg: c, labelsHashToGlobal: newGlobalIDs(), staleGlobals: staleMarkers{}, nextLock: 1}
	empty := map[string]*remoteWriteMapping{}
	s.mappings.Store(&empty)
	return s
}

func (s *PerComponentService) find(component string) *remoteWriteMapping {
	return (*s.mappings.Load())[component]
}

// mappingLocked finds or creates the component's mapping (caller holds mut).
func (s *PerComponentService) mappingLocked(component string) *remoteWriteMapping {
	old := *s.mappings.Load()
	if m := old[component]; m != nil {
		return m
	}
	m := newMapping(component, s.nextLock)
	s.nextLock++
	next := make(map[string]*remoteWriteMapping, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[component] = m
	s.mappings.Store(&next)
	return m
}

// The (*remoteWriteMapping) methods that take the component lock, as the Python design's
// Go frames name them (percomponent.py _MAPPING_FRAMES).

func (m *remoteWriteMapping) getLocalRefID(w *Ctx, global uint64) uint64 {
	w.Lock = m.lockID
	m.mu.RLock()
	w.readLocked(m.lockID)
	local := m.globalToLocal[global]
	w.readUnlocking(m.lockID)
	m.mu.RUnlock()
	return local
}

func (m *remoteWriteMapping) addLink(w *Ctx, global, local uint64) {
	w.Lock = m.lockID
	m.mu.Lock()
	m.muStats.locked(w)
	m.link(global, local)
	m.muStats.unlocking()
	m.mu.Unlock()
}

func (m *remoteWriteMapping) replaceLink(w *Ctx, global, cachedLocal, newLocal uint64) {
	w.Lock = m.lockID
	m.mu.Lock()
	m.muStats.locked(w)
	m.replace(global, cachedLocal, newLocal)
	m.muStats.unlocking()
	m.mu.Unlock()
}

func (s *PerComponentService) GetOrAddGlobalRefID(w *Ctx, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	w.Lock = pcMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	id := s.labelsHashToGlobal.getOrAdd(s.cfg.hash(l), l)
	s.mutStats.unlocking()
	s.mut.Unlock()
	return id
}

func (s *PerComponentService) GetLocalRefID(w *Ctx, componentID string, globalRefID uint64) uint64 {
	m := s.find(componentID)
	if m == nil {
		return 0
	}
	return m.getLocalRefID(w, globalRefID)
}

func (s *PerComponentService) AddLocalLink(w *Ctx, componentID string, globalRefID, localRefID uint64) {
	m := s.find(componentID)
	if m == nil {
		w.Lock = pcMutID
		s.mut.Lock()
		s.mutStats.locked(w)
		m = s.mappingLocked(componentID)
		s.mutStats.unlocking()
		s.mut.Unlock()
	}
	m.addLink(w, globalRefID, localRefID)
}

func (s *PerComponentService) ReplaceLocalLink(w *Ctx, componentID string, globalRefID, cachedLocalRef, newLocalRef uint64) {
	m := s.find(componentID)
	if m == nil { // Alloy: no mapping yet -> same as AddLocalLink
		s.AddLocalLink(w, componentID, globalRefID, newLocalRef)
		return
	}
	m.replaceLink(w, globalRefID, cachedLocalRef, newLocalRef)
}

func (s *PerComponentService) GetOrAddLink(w *Ctx, componentID string, localRefID uint64, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	w.Lock = pcMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	id := s.labelsHashToGlobal.getOrAdd(s.cfg.hash(l), l)
	m := s.mappingLocked(componentID)
	w.Lock = m.lockID
	m.mu.Lock()
	m.muStats.locked(w)
	m.link(id, localRefID)
	m.muStats.unlocking()
	m.mu.Unlock()
	s.mutStats.unlocking()
	s.mut.Unlock()
	return id
}

func (s *PerComponentService) TrackStaleness(w *Ctx, ids []StalenessTracker) {
	batch := s.cfg.split(ids)
	w.Lock = pcMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	s.staleGlobals.apply(batch)
	s.mutStats.unlocking()
	s.mut.Unlock()
}

func (s *PerComponentService) CheckAndRemoveStaleMarkers(w *Ctx, now int64) int {
	now = s.cfg.nowOr(now)
	w.Lock = pcMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	expired := s.staleGlobals.popExpired(now, s.cfg.staleDur)
	for _, m := range expired {
		s.labelsHashToGlobal.forget(m.labelHash)
	}
	if len(expired) > 0 {
		gone := goneIDs(expired)
		for _, m := range s.byID() { // creation order, as the Python dict iterates
			w.Lock = m.lockID
			m.mu.Lock()
			m.muStats.locked(w)
			m.unlinkAll(gone)
			m.muStats.unlocking()
			m.mu.Unlock()
		}
	}
	s.mutStats.unlocking()
	s.mut.Unlock()
	return len(expired)
}

func (s *PerComponentService) Collect(w *Ctx) Counts {
	w.Lock = pcMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	c := Counts{GlobalIDs: len(s.labelsHashToGlobal.byHash), PerComponent: map[string]int{}}
	for _, m := range s.byID() {
		w.Lock = m.lockID
		m.mu.RLock()
		w.readLocked(m.lockID)
		c.PerComponent[m.component] = len(m.globalToLocal)
		w.readUnlocking(m.lockID)
		m.mu.RUnlock()
	}
	s.mutStats.unlocking()
	s.mut.Unlock()
	return c
}

func (s *PerComponentService) Collisions() int { return s.labelsHashToGlobal.collid.count() }

// byID lists the mappings in creation (= lock ID) order; call it holding mut, or while no
// goroutine uses the store.
func (s *PerComponentService) byID() []*remoteWriteMapping {
	ms := *s.mappings.Load()
	out := make([]*remoteWriteMapping, s.nextLock)
	for _, m := range ms {
		out[m.lockID] = m
	}
	return out[1:]
}

func (s *PerComponentService) Locks() []LockInfo {
	out := []LockInfo{{ID: pcMutID, Name: serviceMut, Kind: "mutex", Field: "mut", Words: mutexWords(&s.mut)}}
	for _, m := range s.byID() {
		out = append(out, LockInfo{ID: m.lockID, Name: "labelstore.mapping[" + m.component + "].mu", Kind: "rwmutex", Field: "mu", Words: rwMutexWords(&m.mu)})
	}
	return out
}

func (s *PerComponentService) Counts() []LockCount {
	out := []LockCount{s.mutStats.counts()}
	for _, m := range s.byID() {
		out = append(out, m.muStats.counts())
	}
	return out
}

func (s *PerComponentService) LinkTables(component string) (map[uint64]uint64, map[uint64]uint64) {
	m := s.find(component)
	if m == nil {
		return map[uint64]uint64{}, map[uint64]uint64{}
	}
	return copyMap(m.localToGlobal), copyMap(m.globalToLocal)
}

func (s *PerComponentService) ProbeHold() {
	s.mut.Lock()
	for _, m := range s.byID() {
		m.mu.Lock()
	}
}

func (s *PerComponentService) ProbeRelease() {
	for _, m := range s.byID() {
		m.mu.Unlock()
	}
	s.mut.Unlock()
}
