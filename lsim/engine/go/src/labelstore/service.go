package labelstore

import (
	"sync"

	"lsim/labels"
)

// Service is design "mutex", Alloy's labelstore.Service as it is (lsim/stores/mutex.py):
// one sync.Mutex around everything. Every operation takes it, even a hit in
// GetOrAddGlobalRefID and the read-only GetLocalRefID; hashing happens inside it. It is
// also the shard of design "sharded" (one Service per shard, named after its shard).
type Service struct {
	mut      sync.Mutex
	mutStats exclStats
	lockID   int32
	lockName string

	cfg                config
	labelsHashToGlobal globalIDs
	mappings           map[string]*remoteWriteMapping
	staleGlobals       staleMarkers
}

func newService(c config, lockID int32, lockName string) *Service {
	return &Service{
		lockID:             lockID,
		lockName:           lockName,
		cfg:                c,
		labelsHashToGlobal: newGlobalIDs(),
		mappings:           map[string]*remoteWriteMapping{},
		staleGlobals:       staleMarkers{},
	}
}

func (s *Service) GetOrAddGlobalRefID(w *Ctx, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	w.Lock = s.lockID
	s.mut.Lock()
	s.mutStats.locked(w)
	id := s.labelsHashToGlobal.getOrAdd(s.cfg.hash(l), l)
	s.mutStats.unlocking()
	s.mut.Unlock()
	return id
}

func (s *Service) GetLocalRefID(w *Ctx, componentID string, globalRefID uint64) uint64 {
	w.Lock = s.lockID
	s.mut.Lock()
	s.mutStats.locked(w)
	local := localIDOf(s.mappings, componentID, globalRefID)
	s.mutStats.unlocking()
	s.mut.Unlock()
	return local
}

func (s *Service) AddLocalLink(w *Ctx, componentID string, globalRefID, localRefID uint64) {
	w.Lock = s.lockID
	s.mut.Lock()
	s.mutStats.locked(w)
	mappingFor(s.mappings, componentID).link(globalRefID, localRefID)
	s.mutStats.unlocking()
	s.mut.Unlock()
}

func (s *Service) ReplaceLocalLink(w *Ctx, componentID string, globalRefID, cachedLocalRef, newLocalRef uint64) {
	w.Lock = s.lockID
	s.mut.Lock()
	s.mutStats.locked(w)
	replaceLink(s.mappings, componentID, globalRefID, cachedLocalRef, newLocalRef)
	s.mutStats.unlocking()
	s.mut.Unlock()
}

func (s *Service) GetOrAddLink(w *Ctx, componentID string, localRefID uint64, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	w.Lock = s.lockID
	s.mut.Lock()
	s.mutStats.locked(w)
	id := s.labelsHashToGlobal.getOrAdd(s.cfg.hash(l), l)
	mappingFor(s.mappings, componentID).link(id, localRefID)
	s.mutStats.unlocking()
	s.mut.Unlock()
	return id
}

// TrackStaleness splits the batch outside the lock (hashing the stale ones), then applies
// it under the lock: O(batch) inside.
func (s *Service) TrackStaleness(w *Ctx, ids []StalenessTracker) {
	batch := s.cfg.split(ids)
	w.Lock = s.lockID
	s.mut.Lock()
	s.mutStats.locked(w)
	s.staleGlobals.apply(batch)
	s.mutStats.unlocking()
	s.mut.Unlock()
}

func (s *Service) CheckAndRemoveStaleMarkers(w *Ctx, now int64) int {
	now = s.cfg.nowOr(now)
	w.Lock = s.lockID
	s.mut.Lock()
	s.mutStats.locked(w)
	expired := s.staleGlobals.popExpired(now, s.cfg.staleDur)
	n := removeExpired(expired, &s.labelsHashToGlobal, s.eachMapping)
	s.mutStats.unlocking()
	s.mut.Unlock()
	return n
}

func (s *Service) Collect(w *Ctx) Counts {
	w.Lock = s.lockID
	s.mut.Lock()
	s.mutStats.locked(w)
	c := collectCounts(&s.labelsHashToGlobal, s.mappings)
	s.mutStats.unlocking()
	s.mut.Unlock()
	return c
}

func (s *Service) eachMapping(f func(*remoteWriteMapping)) {
	for _, m := range s.mappings {
		f(m)
	}
}

func (s *Service) Collisions() int { return s.labelsHashToGlobal.collid.count() }

func (s *Service) Locks() []LockInfo {
	return []LockInfo{{ID: s.lockID, Name: s.lockName, Kind: "mutex", Field: "mut", Words: mutexWords(&s.mut)}}
}

func (s *Service) Counts() []LockCount { return []LockCount{s.mutStats.counts()} }

func (s *Service) LinkTables(component string) (map[uint64]uint64, map[uint64]uint64) {
	m := s.mappings[component]
	if m == nil {
		return map[uint64]uint64{}, map[uint64]uint64{}
	}
	return copyMap(m.localToGlobal), copyMap(m.globalToLocal)
}

func (s *Service) ProbeHold()    { s.mut.Lock() }
func (s *Service) ProbeRelease() { s.mut.Unlock() }
