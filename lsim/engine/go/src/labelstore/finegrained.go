package labelstore

import (
	"sync"

	"lsim/labels"
)

// FineGrainedService is design "finegrained" (lsim/stores/finegrained.py, option 2):
//
//   - globalMut (RWMutex) guards labelsHashToGlobal;
//   - mappingsMut (RWMutex) guards mappings and every component's two maps;
//   - stalenessMut (Mutex) guards staleGlobals;
//   - the id counter is an atomic.Uint64, drawn under globalMut's write side anyway.
//
// Lock order, never the reverse: stalenessMut -> globalMut -> mappingsMut. Nested:
// CheckAndRemoveStaleMarkers (all three), GetOrAddLink (globalMut then mappingsMut, so the
// GC cannot remove the id between lookup and link), Collect (globalMut then mappingsMut,
// read, for one consistent snapshot). GetOrAddGlobalRefID hashes and looks up under the
// read side and, on a miss, takes the write side and re-checks.
type FineGrainedService struct {
	stalenessMut   sync.Mutex
	stalenessStats exclStats
	globalMut      sync.RWMutex
	globalStats    exclStats
	mappingsMut    sync.RWMutex
	mappingsStats  exclStats

	cfg                config
	labelsHashToGlobal globalIDs
	mappings           map[string]*remoteWriteMapping
	staleGlobals       staleMarkers
}

// Lock IDs, in lock order.
const (
	fgStalenessID = 0
	fgGlobalID    = 1
	fgMappingsID  = 2
)

func newFineGrainedService(c config) *FineGrainedService {
	return &FineGrainedService{
		cfg:                c,
		labelsHashToGlobal: newGlobalIDs(),
		mappings:           map[string]*remoteWriteMapping{},
		staleGlobals:       staleMarkers{},
	}
}

func (s *FineGrainedService) GetOrAddGlobalRefID(w *Ctx, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	w.Lock = fgGlobalID
	s.globalMut.RLock()
	w.readLocked(fgGlobalID)
	h := s.cfg.hash(l)
	id := s.labelsHashToGlobal.lookup(h, l)
	w.readUnlocking(fgGlobalID)
	s.globalMut.RUnlock()
	if id != 0 {
		return id
	}
	w.Lock = fgGlobalID
	s.globalMut.Lock() // re-checks: another writer may have inserted it meanwhile
	s.globalStats.locked(w)
	id = s.labelsHashToGlobal.getOrAdd(h, l)
	s.globalStats.unlocking()
	s.globalMut.Unlock()
	return id
}

func (s *FineGrainedService) GetLocalRefID(w *Ctx, componentID string, globalRefID uint64) uint64 {
	w.Lock = fgMappingsID
	s.mappingsMut.RLock()
	w.readLocked(fgMappingsID)
	local := localIDOf(s.mappings, componentID, globalRefID)
	w.readUnlocking(fgMappingsID)
	s.mappingsMut.RUnlock()
	return local
}

func (s *FineGrainedService) AddLocalLink(w *Ctx, componentID string, globalRefID, localRefID uint64) {
	w.Lock = fgMappingsID
	s.mappingsMut.Lock()
	s.mappingsStats.locked(w)
	mappingFor(s.mappings, componentID).link(globalRefID, localRefID)
	s.mappingsStats.unlocking()
	s.mappingsMut.Unlock()
}

func (s *FineGrainedService) ReplaceLocalLink(w *Ctx, componentID string, globalRefID, cachedLocalRef, newLocalRef uint64) {
	w.Lock = fgMappingsID
	s.mappingsMut.Lock()
	s.mappingsStats.locked(w)
	replaceLink(s.mappings, componentID, globalRefID, cachedLocalRef, newLocalRef)
	s.mappingsStats.unlocking()
	s.mappingsMut.Unlock()
}

func (s *FineGrainedService) GetOrAddLink(w *Ctx, componentID string, localRefID uint64, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	w.Lock = fgGlobalID
	s.globalMut.RLock()
	w.readLocked(fgGlobalID)
	h := s.cfg.hash(l)
	id := s.labelsHashToGlobal.lookup(h, l)
	if id != 0 {
		w.Lock = fgMappingsID
		s.mappingsMut.Lock()
		s.mappingsStats.locked(w)
		mappingFor(s.mappings, componentID).link(id, localRefID)
		s.mappingsStats.unlocking()
		s.mappingsMut.Unlock()
		w.readUnlocking(fgGlobalID)
		s.globalMut.RUnlock()
		return id
	}
	w.readUnlocking(fgGlobalID)
	s.globalMut.RUnlock()
	w.Lock = fgGlobalID
	s.globalMut.Lock()
	s.globalStats.locked(w)
	id = s.labelsHashToGlobal.getOrAdd(h, l)
	w.Lock = fgMappingsID
	s.mappingsMut.Lock()
	s.mappingsStats.locked(w)
	mappingFor(s.mappings, componentID).link(id, localRefID)
	s.mappingsStats.unlocking()
	s.mappingsMut.Unlock()
	s.globalStats.unlocking()
	s.globalMut.Unlock()
	return id
}

func (s *FineGrainedService) TrackStaleness(w *Ctx, ids []StalenessTracker) {
	batch := s.cfg.split(ids)
	w.Lock = fgStalenessID
	s.stalenessMut.Lock()
	s.stalenessStats.locked(w)
	s.staleGlobals.apply(batch)
	s.stalenessStats.unlocking()
	s.stalenessMut.Unlock()
}

func (s *FineGrainedService) CheckAndRemoveStaleMarkers(w *Ctx, now int64) int {
	now = s.cfg.nowOr(now)
	w.Lock = fgStalenessID
	s.stalenessMut.Lock()
	s.stalenessStats.locked(w)
	expired := s.staleGlobals.popExpired(now, s.cfg.staleDur)
	if len(expired) > 0 {
		w.Lock = fgGlobalID
		s.globalMut.Lock()
		s.globalStats.locked(w)
		for _, m := range expired {
			s.labelsHashToGlobal.forget(m.labelHash)
		}
		gone := goneIDs(expired)
		w.Lock = fgMappingsID
		s.mappingsMut.Lock()
		s.mappingsStats.locked(w)
		for _, m := range s.mappings {
			m.unlinkAll(gone)
		}
		s.mappingsStats.unlocking()
		s.mappingsMut.Unlock()
		s.globalStats.unlocking()
		s.globalMut.Unlock()
	}
	s.stalenessStats.unlocking()
	s.stalenessMut.Unlock()
	return len(expired)
}

func (s *FineGrainedService) Collect(w *Ctx) Counts {
	w.Lock = fgGlobalID
	s.globalMut.RLock()
	w.readLocked(fgGlobalID)
	w.Lock = fgMappingsID
	s.mappingsMut.RLock()
	w.readLocked(fgMappingsID)
	c := collectCounts(&s.labelsHashToGlobal, s.mappings)
	w.readUnlocking(fgMappingsID)
	s.mappingsMut.RUnlock()
	w.readUnlocking(fgGlobalID)
	s.globalMut.RUnlock()
	return c
}

func (s *FineGrainedService) Collisions() int { return s.labelsHashToGlobal.collid.count() }

func (s *FineGrainedService) Locks() []LockInfo {
	return []LockInfo{
		{ID: fgStalenessID, Name: "labelstore.Service.stalenessMut", Kind: "mutex", Field: "stalenessMut", Words: mutexWords(&s.stalenessMut)},
		{ID: fgGlobalID, Name: "labelstore.Service.globalMut", Kind: "rwmutex", Field: "globalMut", Words: rwMutexWords(&s.globalMut)},
		{ID: fgMappingsID, Name: "labelstore.Service.mappingsMut", Kind: "rwmutex", Field: "mappingsMut", Words: rwMutexWords(&s.mappingsMut)},
	}
}

func (s *FineGrainedService) Counts() []LockCount {
	return []LockCount{s.stalenessStats.counts(), s.globalStats.counts(), s.mappingsStats.counts()}
}

func (s *FineGrainedService) LinkTables(component string) (map[uint64]uint64, map[uint64]uint64) {
	m := s.mappings[component]
	if m == nil {
		return map[uint64]uint64{}, map[uint64]uint64{}
	}
	return copyMap(m.localToGlobal), copyMap(m.globalToLocal)
}

func (s *FineGrainedService) ProbeHold() {
	s.stalenessMut.Lock()
	s.globalMut.Lock()
	s.mappingsMut.Lock()
}

func (s *FineGrainedService) ProbeRelease() {
	s.mappingsMut.Unlock()
	s.globalMut.Unlock()
	s.stalenessMut.Unlock()
}
