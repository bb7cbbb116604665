package labelstore

import (
	"math"
	"sync"
	"sync/atomic"

	"lsim/labels"
)

// The maps every design shares and the logic on them, mirroring lsim/stores/state.py.
// Nothing here locks: each design calls these while holding the locks it documents.

// StaleNaNBits is Prometheus' stale marker (value.StaleNaN).
const StaleNaNBits = 0x7ff0000000000002

// StaleNaN is the stale marker as a float64.
var StaleNaN = math.Float64frombits(StaleNaNBits)

// IsStaleNaN compares the bit pattern, as Prometheus' value.IsStaleNaN does.
func IsStaleNaN(v float64) bool { return math.Float64bits(v) == StaleNaNBits }

// StalenessTracker is one sample passed to TrackStaleness (Alloy's type).
type StalenessTracker struct {
	GlobalRefID uint64
	Value       float64
	Labels      *labels.Labels
}

// entry is what labelsHashToGlobal stores: Alloy stores the id only; the first label set
// seen with the hash lets lsim notice a different set arriving with the same hash.
type entry struct {
	id    uint64
	first *labels.Labels
}

// collisions counts distinct label sets that found their hash taken by another set. It is
// lsim's bookkeeping, not Alloy's, and is touched only when a collision happens, so its own
// small mutex never shows up on the measured paths (finegrained notes collisions under a
// read lock, lockfree under no lock at all).
type collisions struct {
	mu  sync.Mutex
	set map[string]struct{}
}

func (c *collisions) note(l *labels.Labels) {
	c.mu.Lock()
	if c.set == nil {
		c.set = map[string]struct{}{}
	}
	c.set[l.Key()] = struct{}{}
	c.mu.Unlock()
}

func (c *collisions) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.set)
}

// globalIDs is labelsHashToGlobal and the globalRefID counter (GlobalIds in state.py).
type globalIDs struct {
	byHash map[uint64]entry
	// next is atomic because finegrained documents an atomic counter; everywhere else it
	// is only touched under the lock, on a miss (a new series), never on the hot hit path.
	next   atomic.Uint64
	collid collisions
}

func newGlobalIDs() globalIDs { return globalIDs{byHash: map[uint64]entry{}} }

// lookup returns the id stored for h, or 0.
func (g *globalIDs) lookup(h uint64, l *labels.Labels) uint64 {
	e, ok := g.byHash[h]
	if !ok {
		return 0
	}
	if !e.first.Equal(l) {
		g.collid.note(l)
	}
	return e.id
}

// getOrAdd returns the id for h, created (counter + 1, never reused) when missing. The
// caller holds the exclusive side of whatever guards byHash.
func (g *globalIDs) getOrAdd(h uint64, l *labels.Labels) uint64 {
	e, ok := g.byHash[h]
	if !ok {
		e = entry{id: g.next.Add(1), first: l}
		g.byHash[h] = e
		return e.id
	}
	if !e.first.Equal(l) {
		g.collid.note(l)
	}
	return e.id
}

func (g *globalIDs) forget(h uint64) { delete(g.byHash, h) }

// remoteWriteMapping is one component's two-way map between global and local ids (Alloy's
// type). mu and its counters are used by the percomponent design only.
type remoteWriteMapping struct {
	mu        sync.RWMutex
	muStats   exclStats
	lockID    int32
	component string

	localToGlobal map[uint64]uint64
	globalToLocal map[uint64]uint64
}

func newMapping(component string, lockID int32) *remoteWriteMapping {
	return &remoteWriteMapping{
		component:     component,
		lockID:        lockID,
		localToGlobal: map[uint64]uint64{},
		globalToLocal: map[uint64]uint64{},
	}
}

func (m *remoteWriteMapping) localID(global uint64) uint64 { return m.globalToLocal[global] }

func (m *remoteWriteMapping) link(global, local uint64) {
	m.localToGlobal[local] = global
	m.globalToLocal[global] = local
}

func (m *remoteWriteMapping) replace(global, cachedLocal, newLocal uint64) {
	delete(m.localToGlobal, cachedLocal)
	m.localToGlobal[newLocal] = global
	m.globalToLocal[global] = newLocal
}

// unlinkAll is deleteStaleIDs for each id: both directions of its link, if any.
func (m *remoteWriteMapping) unlinkAll(gone []uint64) {
	for _, g := range gone {
		if local, ok := m.globalToLocal[g]; ok {
			delete(m.globalToLocal, g)
			delete(m.localToGlobal, local)
		}
	}
}

// mappingFor returns the component's mapping, created when missing (caller holds the lock
// guarding mappings).
func mappingFor(mappings map[string]*remoteWriteMapping, component string) *remoteWriteMapping {
	m := mappings[component]
	if m == nil {
		m = newMapping(component, -1)
		mappings[component] = m
	}
	return m
}

func localIDOf(mappings map[string]*remoteWriteMapping, component string, global uint64) uint64 {
	if m := mappings[component]; m != nil {
		return m.globalToLocal[global]
	}
	return 0
}

// replaceLink is ReplaceLocalLink: with no mapping for the component, the same as an add.
func replaceLink(mappings map[string]*remoteWriteMapping, component string, global, cachedLocal, newLocal uint64) {
	if m := mappings[component]; m != nil {
		m.replace(global, cachedLocal, newLocal)
		return
	}
	mappingFor(mappings, component).link(global, newLocal)
}

// staleMarker is Alloy's staleMarker.
type staleMarker struct {
	globalID        uint64
	lastMarkedStale int64 // unix ns
	labelHash       uint64
}

// stalenessBatch is a TrackStaleness batch split outside the lock.
type stalenessBatch struct {
	marked  []staleMarker
	revived []uint64
}

// split is Alloy's first loop of TrackStaleness (before the lock; hashing included).
func (c *config) split(ids []StalenessTracker) stalenessBatch {
	var b stalenessBatch
	var now int64
	for _, t := range ids {
		if IsStaleNaN(t.Value) {
			if now == 0 {
				now = c.now()
			}
			b.marked = append(b.marked, staleMarker{t.GlobalRefID, now, c.hash(t.Labels)})
		} else {
			b.revived = append(b.revived, t.GlobalRefID)
		}
	}
	return b
}

// staleMarkers is staleGlobals.
type staleMarkers map[uint64]*staleMarker

// apply is the locked half of TrackStaleness: O(batch). Re-marking refreshes the time.
func (s staleMarkers) apply(b stalenessBatch) {
	for i := range b.marked {
		m := b.marked[i]
		s[m.globalID] = &m
	}
	for _, g := range b.revived {
		delete(s, g)
	}
}

// popExpired removes and returns markers at least staleDuration old (Go: curr.Sub(last) <
// staleDuration stays).
func (s staleMarkers) popExpired(now, staleDuration int64) []*staleMarker {
	var out []*staleMarker
	for g, m := range s {
		if now-m.lastMarkedStale < staleDuration {
			continue
		}
		delete(s, g)
		out = append(out, m)
	}
	return out
}

// removeExpired is the removal half of CheckAndRemoveStaleMarkers: hashes, then every link.
func removeExpired(expired []*staleMarker, ids *globalIDs, mappings func(func(*remoteWriteMapping))) int {
	for _, m := range expired {
		ids.forget(m.labelHash)
	}
	if len(expired) > 0 {
		gone := goneIDs(expired)
		mappings(func(m *remoteWriteMapping) { m.unlinkAll(gone) })
	}
	return len(expired)
}

func goneIDs(expired []*staleMarker) []uint64 {
	gone := make([]uint64, len(expired))
	for i, m := range expired {
		gone[i] = m.globalID
	}
	return gone
}

// Counts is what Collect returns: the number of global ids and of ids per component.
type Counts struct {
	GlobalIDs    int
	PerComponent map[string]int
}

func collectCounts(ids *globalIDs, mappings map[string]*remoteWriteMapping) Counts {
	c := Counts{GlobalIDs: len(ids.byHash), PerComponent: map[string]int{}}
	for name, m := range mappings {
		c.PerComponent[name] = len(m.globalToLocal)
	}
	return c
}
