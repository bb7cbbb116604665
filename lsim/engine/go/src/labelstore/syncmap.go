package labelstore

import (
	"sync"

	"lsim/labels"
)

// SyncMapService is design "syncmap" (lsim/stores/syncmap.py, option 4): the component
// mappings live in a real sync.Map; everything else stays under Service.mut.
//
// What sync.Map protects is the component -> mapping lookup only. The inner
// localToGlobal/globalToLocal maps are plain maps written by every link call, so they stay
// under Service.mut. GetLocalRefID finds the mapping without a lock (an unknown component
// returns 0 without any lock) and locks Service.mut to read the inner map. Mappings are
// created (Load, then LoadOrStore) while holding Service.mut. Lock order: Service.mut ->
// the sync.Map's internal mutex (Go < 1.24: sync.Map.mu; Go >= 1.24: the hash-trie's node
// locks), reported as labelstore.Service.mappings(sync.Map).mu.
type SyncMapService struct {
	mut      sync.Mutex
	mutStats exclStats
	mappings sync.Map // component -> *remoteWriteMapping

	cfg                config
	labelsHashToGlobal globalIDs
	staleGlobals       staleMarkers
}

const (
	smMutID      = 0
	smMappingsID = 1
)

func newSyncMapService(c config) *SyncMapService {
	return &SyncMapService{cfg: c, labelsHashToGlobal: newGlobalIDs(), staleGlobals: staleMarkers{}}
}

func (s *SyncMapService) load(w *Ctx, component string) *remoteWriteMapping {
	w.Lock = smMappingsID
	if v, ok := s.mappings.Load(component); ok {
		return v.(*remoteWriteMapping)
	}
	return nil
}

// mappingLocked loads, or creates and stores, the component's mapping (caller holds mut).
// Load first: LoadOrStore would allocate a mapping on every call.
func (s *SyncMapService) mappingLocked(w *Ctx, component string) *remoteWriteMapping {
	if m := s.load(w, component); m != nil {
		return m
	}
	w.Lock = smMappingsID
	v, _ := s.mappings.LoadOrStore(component, newMapping(component, -1))
	return v.(*remoteWriteMapping)
}

func (s *SyncMapService) GetOrAddGlobalRefID(w *Ctx, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	w.Lock = smMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	id := s.labelsHashToGlobal.getOrAdd(s.cfg.hash(l), l)
	s.mutStats.unlocking()
	s.mut.Unlock()
	return id
}

func (s *SyncMapService) GetLocalRefID(w *Ctx, componentID string, globalRefID uint64) uint64 {
	w.Lock = smMappingsID
	v, ok := s.mappings.Load(componentID)
	if !ok {
		return 0
	}
	m := v.(*remoteWriteMapping)
	w.Lock = smMutID
	s.mut.Lock() // the inner map is written under Service.mut
	s.mutStats.locked(w)
	local := m.localID(globalRefID)
	s.mutStats.unlocking()
	s.mut.Unlock()
	return local
}

func (s *SyncMapService) AddLocalLink(w *Ctx, componentID string, globalRefID, localRefID uint64) {
	w.Lock = smMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	s.mappingLocked(w, componentID).link(globalRefID, localRefID)
	s.mutStats.unlocking()
	s.mut.Unlock()
}

func (s *SyncMapService) ReplaceLocalLink(w *Ctx, componentID string, globalRefID, cachedLocalRef, newLocalRef uint64) {
	w.Lock = smMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	if m := s.load(w, componentID); m != nil {
		m.replace(globalRefID, cachedLocalRef, newLocalRef)
	} else {
		s.mappingLocked(w, componentID).link(globalRefID, newLocalRef)
	}
	s.mutStats.unlocking()
	s.mut.Unlock()
}

func (s *SyncMapService) GetOrAddLink(w *Ctx, componentID string, localRefID uint64, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	w.Lock = smMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	id := s.labelsHashToGlobal.getOrAdd(s.cfg.hash(l), l)
	s.mappingLocked(w, componentID).link(id, localRefID)
	s.mutStats.unlocking()
	s.mut.Unlock()
	return id
}

func (s *SyncMapService) TrackStaleness(w *Ctx, ids []StalenessTracker) {
	batch := s.cfg.split(ids)
	w.Lock = smMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	s.staleGlobals.apply(batch)
	s.mutStats.unlocking()
	s.mut.Unlock()
}

func (s *SyncMapService) CheckAndRemoveStaleMarkers(w *Ctx, now int64) int {
	now = s.cfg.nowOr(now)
	w.Lock = smMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	expired := s.staleGlobals.popExpired(now, s.cfg.staleDur)
	n := removeExpired(expired, &s.labelsHashToGlobal, func(f func(*remoteWriteMapping)) {
		w.Lock = smMappingsID
		s.mappings.Range(func(_, v any) bool { f(v.(*remoteWriteMapping)); return true })
	})
	s.mutStats.unlocking()
	s.mut.Unlock()
	return n
}

func (s *SyncMapService) Collect(w *Ctx) Counts {
	w.Lock = smMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	c := Counts{GlobalIDs: len(s.labelsHashToGlobal.byHash), PerComponent: map[string]int{}}
	w.Lock = smMappingsID
	s.mappings.Range(func(k, v any) bool {
		c.PerComponent[k.(string)] = len(v.(*remoteWriteMapping).globalToLocal)
		return true
	})
	s.mutStats.unlocking()
	s.mut.Unlock()
	return c
}

func (s *SyncMapService) Collisions() int { return s.labelsHashToGlobal.collid.count() }

func (s *SyncMapService) Locks() []LockInfo {
	return []LockInfo{
		{ID: smMutID, Name: serviceMut, Kind: "mutex", Field: "mut", Words: mutexWords(&s.mut)},
		{ID: smMappingsID, Name: "labelstore.Service.mappings(sync.Map).mu", Kind: "mutex", Field: "mappings", SyncMap: true},
	}
}

func (s *SyncMapService) Counts() []LockCount { return []LockCount{s.mutStats.counts(), {}} }

func (s *SyncMapService) LinkTables(component string) (map[uint64]uint64, map[uint64]uint64) {
	v, ok := s.mappings.Load(component)
	if !ok {
		return map[uint64]uint64{}, map[uint64]uint64{}
	}
	m := v.(*remoteWriteMapping)
	return copyMap(m.localToGlobal), copyMap(m.globalToLocal)
}

func (s *SyncMapService) ProbeHold()    { s.mut.Lock() }
func (s *SyncMapService) ProbeRelease() { s.mut.Unlock() }
