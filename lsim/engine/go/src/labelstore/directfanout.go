package labelstore

import (
	"fmt"
	"sync"

	"lsim/labels"
)

// DirectFanoutService is design "directfanout" (lsim/stores/directfanout.py and
// refmapping.py): what Alloy merged instead of the six options (PR #5522). The labelstore
// is disabled (every method returns 0 or does nothing, with no lock), and each Fanout with
// two or more children keeps its own SeriesRefMappingStore. The executor calls a Fanout's
// store directly (Mapping(f).GetMapping), so a dump shows Alloy's frame
// (*SeriesRefMappingStore).GetMapping right under the sync frames.
type DirectFanoutService struct {
	cfg      config
	mappings []*SeriesRefMappingStore
}

// MaxFanouts bounds a directfanout store's Fanouts (lsim.stores.directfanout.MAX_FANOUTS).
const MaxFanouts = 10_000

// RefTTLSeconds: the cleanup runs every 15 minutes and removes refs older than 15 minutes.
const RefTTLSeconds = 15 * 60

func newDirectFanoutService(c config, fanouts int) (*DirectFanoutService, error) {
	if fanouts < 1 || fanouts > MaxFanouts {
		return nil, fmt.Errorf("fanouts must be an integer from 1 to %d, got %d", MaxFanouts, fanouts)
	}
	s := &DirectFanoutService{cfg: c}
	for i := 0; i < fanouts; i++ {
		s.mappings = append(s.mappings, &SeriesRefMappingStore{
			cfg: &s.cfg, index: i, mappingID: int32(2 * i), trackingID: int32(2*i + 1),
			uniqueRefToChildRefs: map[uint64]uniqRefChildren{}, labelHashToUniqueRef: map[uint64]uint64{},
			nextUniqueRef: 1, uniqueRefTimestamps: map[uint64]int64{},
		})
	}
	return s, nil
}

// Mapping returns Fanout f's store.
func (s *DirectFanoutService) Mapping(f int) *SeriesRefMappingStore { return s.mappings[f] }

// Fanouts is how many Fanouts the store has.
func (s *DirectFanoutService) Fanouts() int { return len(s.mappings) }

// The disabled labelstore: no state, no lock.

func (s *DirectFanoutService) GetOrAddGlobalRefID(w *Ctx, l *labels.Labels) uint64 { return 0 }
func (s *DirectFanoutService) GetLocalRefID(w *Ctx, componentID string, globalRefID uint64) uint64 {
	return 0
}
func (s *DirectFanoutService) AddLocalLink(w *Ctx, componentID string, globalRefID, localRefID uint64) {
}
func (s *DirectFanoutService) ReplaceLocalLink(w *Ctx, componentID string, globalRefID, cachedLocalRef, newLocalRef uint64) {
}
func (s *DirectFanoutService) GetOrAddLink(w *Ctx, componentID string, localRefID uint64, l *labels.Labels) uint64 {
	return 0
}
func (s *DirectFanoutService) TrackStaleness(w *Ctx, ids []StalenessTracker)    {}
func (s *DirectFanoutService) CheckAndRemoveStaleMarkers(w *Ctx, now int64) int { return 0 }
func (s *DirectFanoutService) Collect(w *Ctx) Counts                            { return Counts{PerComponent: map[string]int{}} }
func (s *DirectFanoutService) LinkTables(string) (map[uint64]uint64, map[uint64]uint64) {
	return map[uint64]uint64{}, map[uint64]uint64{}
}

func (s *DirectFanoutService) Collisions() int {
	n := 0
	for _, m := range s.mappings {
		n += m.collid.count()
	}
	return n
}

func (s *DirectFanoutService) Locks() []LockInfo {
	var out []LockInfo
	for _, m := range s.mappings {
		base := fmt.Sprintf("appenders.SeriesRefMappingStore[%d]", m.index)
		out = append(out,
			LockInfo{ID: m.mappingID, Name: base + ".refMappingMu", Kind: "rwmutex", Field: "refMappingMu", Words: rwMutexWords(&m.refMappingMu)},
			LockInfo{ID: m.trackingID, Name: base + ".timestampTrackingMu", Kind: "mutex", Field: "timestampTrackingMu", Words: mutexWords(&m.timestampTrackingMu)})
	}
	return out
}

func (s *DirectFanoutService) Counts() []LockCount {
	var out []LockCount
	for _, m := range s.mappings {
		out = append(out, m.mappingStats.counts(), m.trackingStats.counts())
	}
	return out
}

func (s *DirectFanoutService) ProbeHold() {
	for _, m := range s.mappings {
		m.timestampTrackingMu.Lock()
		m.refMappingMu.Lock()
	}
}

func (s *DirectFanoutService) ProbeRelease() {
	for _, m := range s.mappings {
		m.refMappingMu.Unlock()
		m.timestampTrackingMu.Unlock()
	}
}

// SeriesRefMappingStore is one Fanout's mapping (Alloy's appenders.SeriesRefMappingStore).
// refMappingMu guards the two maps and the ref counter; timestampTrackingMu guards the
// timestamps; the cleanup holds both, timestampTrackingMu first.
type SeriesRefMappingStore struct {
	refMappingMu         sync.RWMutex
	mappingStats         exclStats
	uniqueRefToChildRefs map[uint64]uniqRefChildren
	labelHashToUniqueRef map[uint64]uint64
	nextUniqueRef        uint64
	firstRefOfGeneration uint64
	collid               collisions

	timestampTrackingMu sync.Mutex
	trackingStats       exclStats
	uniqueRefTimestamps map[uint64]int64

	cfg                   *config
	index                 int
	mappingID, trackingID int32
}

type uniqRefChildren struct {
	childRefs []uint64
	labelHash uint64
	labels    *labels.Labels // the first label set stored (collision counts only)
}

// GetMapping returns the child refs stored for uniqueRef (looked up by the labels' hash
// when it is 0), or nil. The labels are hashed under the read lock, as Alloy does.
func (s *SeriesRefMappingStore) GetMapping(w *Ctx, uniqueRef uint64, l *labels.Labels) []uint64 {
	w.Lock = s.mappingID
	s.refMappingMu.RLock()
	w.readLocked(s.mappingID)
	out := s.lookup(uniqueRef, l)
	w.readUnlocking(s.mappingID)
	s.refMappingMu.RUnlock()
	return out
}

func (s *SeriesRefMappingStore) lookup(uniqueRef uint64, l *labels.Labels) []uint64 {
	if uniqueRef == 0 {
		found, ok := s.labelHashToUniqueRef[s.cfg.hash(l)]
		if !ok {
			return nil
		}
		uniqueRef = found
	}
	if uniqueRef < s.firstRefOfGeneration {
		return nil
	}
	m, ok := s.uniqueRefToChildRefs[uniqueRef]
	if !ok || m.labelHash != s.cfg.hash(l) {
		return nil
	}
	if !m.labels.Equal(l) {
		s.collid.note(l) // same hash, another series: its refs are wrong
	}
	return m.childRefs
}

// CreateMapping stores a copy of refs under a new unique ref (hashing before the lock).
func (s *SeriesRefMappingStore) CreateMapping(w *Ctx, refs []uint64, l *labels.Labels) uint64 {
	children := append([]uint64(nil), refs...)
	labelHash := s.cfg.hash(l)
	w.Lock = s.mappingID
	s.refMappingMu.Lock()
	s.mappingStats.locked(w)
	ref := s.nextUniqueRef
	s.nextUniqueRef++
	s.labelHashToUniqueRef[labelHash] = ref
	s.uniqueRefToChildRefs[ref] = uniqRefChildren{childRefs: children, labelHash: labelHash, labels: l}
	s.mappingStats.unlocking()
	s.refMappingMu.Unlock()
	return ref
}

// UpdateMapping stores new child refs for uniqueRef; ref 0 returns before locking.
func (s *SeriesRefMappingStore) UpdateMapping(w *Ctx, uniqueRef uint64, refs []uint64, l *labels.Labels) {
	if uniqueRef == 0 {
		return
	}
	children := append([]uint64(nil), refs...)
	w.Lock = s.mappingID
	s.refMappingMu.Lock()
	s.mappingStats.locked(w)
	newHash := s.cfg.hash(l)
	if prev, ok := s.uniqueRefToChildRefs[uniqueRef]; ok && prev.labelHash != newHash {
		delete(s.labelHashToUniqueRef, prev.labelHash)
		s.labelHashToUniqueRef[newHash] = uniqueRef
	}
	s.uniqueRefToChildRefs[uniqueRef] = uniqRefChildren{childRefs: children, labelHash: s.cfg.hash(l), labels: l}
	s.mappingStats.unlocking()
	s.refMappingMu.Unlock()
}

// TrackAppendedSeries stamps every ref of one appender's batch (Commit and Rollback).
func (s *SeriesRefMappingStore) TrackAppendedSeries(w *Ctx, ts int64, refs []uint64) {
	w.Lock = s.trackingID
	s.timestampTrackingMu.Lock()
	s.trackingStats.locked(w)
	for _, r := range refs {
		s.uniqueRefTimestamps[r] = ts
	}
	s.trackingStats.unlocking()
	s.timestampTrackingMu.Unlock()
}

// CleanupTick runs one tick of the cleanup goroutine at now (unix ns; 0 = the clock).
func (s *SeriesRefMappingStore) CleanupTick(w *Ctx, now int64) int {
	return s.cleanupStaleRefs(w, s.cfg.nowOr(now)/1e9-RefTTLSeconds)
}

// cleanupStaleRefs removes refs stamped before cutoff (unix seconds), with their mapping and
// label-hash entry, holding both locks: O(tracked) while every appender of the Fanout waits.
func (s *SeriesRefMappingStore) cleanupStaleRefs(w *Ctx, cutoff int64) int {
	w.Lock = s.trackingID
	s.timestampTrackingMu.Lock()
	s.trackingStats.locked(w)
	w.Lock = s.mappingID
	s.refMappingMu.Lock()
	s.mappingStats.locked(w)
	n := 0
	for ref, ts := range s.uniqueRefTimestamps {
		if ts < cutoff {
			if m, ok := s.uniqueRefToChildRefs[ref]; ok {
				delete(s.labelHashToUniqueRef, m.labelHash)
			}
			delete(s.uniqueRefTimestamps, ref)
			delete(s.uniqueRefToChildRefs, ref)
			n++
		}
	}
	s.mappingStats.unlocking()
	s.refMappingMu.Unlock()
	s.trackingStats.unlocking()
	s.timestampTrackingMu.Unlock()
	return n
}

// Len is the number of mappings (tests and the trace).
func (s *SeriesRefMappingStore) Len() int { return len(s.uniqueRefToChildRefs) }

// Now is the store clock in unix seconds, what TrackAppendedSeries is stamped with.
func (s *SeriesRefMappingStore) Now() int64 { return s.cfg.now() / 1e9 }

// EqualRefs reports whether two child-ref lists are the same, ref for ref (Go 1.19 has no
// slices.Equal).
func EqualRefs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
