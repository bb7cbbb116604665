package labelstore

import (
	"sync"

	"lsim/labels"
)

// RWMutexService is design "rwmutex" (lsim/stores/rwmutex.py, option 1): the one lock
// becomes a sync.RWMutex. GetLocalRefID and Collect take the read side and may run
// together; everything else, GetOrAddGlobalRefID included (it may insert, and Go cannot
// upgrade RLock to Lock), takes the write side. Go's writer preference applies.
type RWMutexService struct {
	mut      sync.RWMutex
	mutStats exclStats

	cfg                config
	labelsHashToGlobal globalIDs
	mappings           map[string]*remoteWriteMapping
	staleGlobals       staleMarkers
}

const rwMutID = 0

func newRWMutexService(c config) *RWMutexService {
	return &RWMutexService{
		cfg:                c,
		labelsHashToGlobal: newGlobalIDs(),
		mappings:           map[string]*remoteWriteMapping{},
		staleGlobals:       staleMarkers{},
	}
}

func (s *RWMutexService) GetOrAddGlobalRefID(w *Ctx, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	w.Lock = rwMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	id := s.labelsHashToGlobal.getOrAdd(s.cfg.hash(l), l)
	s.mutStats.unlocking()
	s.mut.Unlock()
	return id
}

func (s *RWMutexService) GetLocalRefID(w *Ctx, componentID string, globalRefID uint64) uint64 {
	w.Lock = rwMutID
	s.mut.RLock()
	w.readLocked(rwMutID)
	local := localIDOf(s.mappings, componentID, globalRefID)
	w.readUnlocking(rwMutID)
	s.mut.RUnlock()
	return local
}

func (s *RWMutexService) AddLocalLink(w *Ctx, componentID string, globalRefID, localRefID uint64) {
	w.Lock = rwMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	mappingFor(s.mappings, componentID).link(globalRefID, localRefID)
	s.mutStats.unlocking()
	s.mut.Unlock()
}

func (s *RWMutexService) ReplaceLocalLink(w *Ctx, componentID string, globalRefID, cachedLocalRef, newLocalRef uint64) {
	w.Lock = rwMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	replaceLink(s.mappings, componentID, globalRefID, cachedLocalRef, newLocalRef)
	s.mutStats.unlocking()
	s.mut.Unlock()
}

func (s *RWMutexService) GetOrAddLink(w *Ctx, componentID string, localRefID uint64, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	w.Lock = rwMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	id := s.labelsHashToGlobal.getOrAdd(s.cfg.hash(l), l)
	mappingFor(s.mappings, componentID).link(id, localRefID)
	s.mutStats.unlocking()
	s.mut.Unlock()
	return id
}

func (s *RWMutexService) TrackStaleness(w *Ctx, ids []StalenessTracker) {
	batch := s.cfg.split(ids)
	w.Lock = rwMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	s.staleGlobals.apply(batch)
	s.mutStats.unlocking()
	s.mut.Unlock()
}

func (s *RWMutexService) CheckAndRemoveStaleMarkers(w *Ctx, now int64) int {
	now = s.cfg.nowOr(now)
	w.Lock = rwMutID
	s.mut.Lock()
	s.mutStats.locked(w)
	expired := s.staleGlobals.popExpired(now, s.cfg.staleDur)
	n := removeExpired(expired, &s.labelsHashToGlobal, s.eachMapping)
	s.mutStats.unlocking()
	s.mut.Unlock()
	return n
}

func (s *RWMutexService) Collect(w *Ctx) Counts {
	w.Lock = rwMutID
	s.mut.RLock()
	w.readLocked(rwMutID)
	c := collectCounts(&s.labelsHashToGlobal, s.mappings)
	w.readUnlocking(rwMutID)
	s.mut.RUnlock()
	return c
}

func (s *RWMutexService) eachMapping(f func(*remoteWriteMapping)) {
	for _, m := range s.mappings {
		f(m)
	}
}

func (s *RWMutexService) Collisions() int { return s.labelsHashToGlobal.collid.count() }

func (s *RWMutexService) Locks() []LockInfo {
	return []LockInfo{{ID: rwMutID, Name: serviceMut, Kind: "rwmutex", Field: "mut", Words: rwMutexWords(&s.mut)}}
}

func (s *RWMutexService) Counts() []LockCount { return []LockCount{s.mutStats.counts()} }

func (s *RWMutexService) LinkTables(component string) (map[uint64]uint64, map[uint64]uint64) {
	m := s.mappings[component]
	if m == nil {
		return map[uint64]uint64{}, map[uint64]uint64{}
	}
	return copyMap(m.localToGlobal), copyMap(m.globalToLocal)
}

func (s *RWMutexService) ProbeHold()    { s.mut.Lock() }
func (s *RWMutexService) ProbeRelease() { s.mut.Unlock() }
