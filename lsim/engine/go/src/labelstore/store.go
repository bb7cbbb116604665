// Package labelstore holds the eight store designs of lsim (DESIGN.md §3) in Go, lock for
// lock as the Python stores in lsim/stores/*.py: same results, same routing and id
// encoding, same lock order, hashing inside the lock where the Python original hashes
// inside it, same staleness and collision behaviour. Each design is one file; the shared
// map logic is state.go (lsim/stores/state.py).
//
// Every store method takes the caller's *Ctx first and calls the design's lock directly
// (s.mut.Lock(), no helper frame in between), so a goroutine dump reads like Alloy's:
//
//	sync.(*Mutex).Lock(...)
//	lsim/labelstore.(*Service).GetOrAddGlobalRefID(...)
package labelstore

import (
	"fmt"
	"time"

	"lsim/labels"
)

// Store is what every design implements (Alloy's labelstore.LabelStore, plus a context).
type Store interface {
	GetOrAddGlobalRefID(w *Ctx, l *labels.Labels) uint64
	GetLocalRefID(w *Ctx, componentID string, globalRefID uint64) uint64
	AddLocalLink(w *Ctx, componentID string, globalRefID, localRefID uint64)
	ReplaceLocalLink(w *Ctx, componentID string, globalRefID, cachedLocalRef, newLocalRef uint64)
	GetOrAddLink(w *Ctx, componentID string, localRefID uint64, l *labels.Labels) uint64
	TrackStaleness(w *Ctx, ids []StalenessTracker)
	// CheckAndRemoveStaleMarkers removes markers at least the stale duration old, with
	// their hash entry and every component's links; now 0 = the store's clock. Returns
	// how many were removed.
	CheckAndRemoveStaleMarkers(w *Ctx, now int64) int
	Collect(w *Ctx) Counts

	// Collisions counts distinct label sets that shared a hash with another.
	Collisions() int
	// Locks lists every lock the design has now (percomponent/lockfree grow with
	// components), ordered by ID.
	Locks() []LockInfo
	// Counts returns the exclusive-side counters of each lock, aligned with Locks().
	// Call it when no goroutine is using the store.
	Counts() []LockCount
	// LinkTables copies a component's (localToGlobal, globalToLocal), for tests.
	LinkTables(component string) (map[uint64]uint64, map[uint64]uint64)
	// ProbeHold takes every design lock a store call can block on (exclusively) and
	// ProbeRelease lets them go: used on a throwaway store to capture each operation's
	// real stack (the stacks of the result).
	ProbeHold()
	ProbeRelease()
}

// LockInfo describes one lock of a design.
type LockInfo struct {
	ID    int32  // what Ctx.Lock holds when this lock was announced
	Name  string // the Python store's name: labelstore.Service.mut, labelstore.shard[07].mut, ...
	Kind  string // "mutex" or "rwmutex"
	Field string // the struct field its calls go through (the call-site key, see callsites.go)
	// SyncMap marks a sync.Map's internal lock: waits are seen inside sync.(*Map) frames,
	// acquisitions are not counted (they happen inside the standard library).
	SyncMap bool
	// Words reads the lock's own words (lockwords.go) without stopping the world: the
	// goroutines parked on it and whether it is in starvation mode; nil functions where they
	// cannot be read (a sync.Map's lock, whose layout changed in Go 1.24).
	Words
}

// LockCount is one lock's exclusive-side counters in the measured window.
type LockCount struct {
	Acquisitions uint64
	HoldNs       int64 // estimated: timed on 1 section in 16 (and the first), scaled
}

// Config holds a store's options (create_store's layout, stale_duration_s, clock, hasher).
type Config struct {
	Layout        labels.Layout
	StaleDuration time.Duration // default 10 minutes, as Alloy
	Shards        int           // sharded only (1..256)
	Fanouts       int           // directfanout only (1..MaxFanouts; 0 = 1)
	// Hasher overrides the label hash (tests force collisions with a constant one).
	Hasher func(*labels.Labels) uint64
	// Clock returns the time in unix ns (tests move it by hand); nil = time.Now.
	Clock func() int64
}

type config struct {
	layout   labels.Layout
	staleDur int64
	hasher   func(*labels.Labels) uint64
	clock    func() int64
}

func (c Config) resolve() config {
	out := config{layout: c.Layout, staleDur: int64(c.StaleDuration), hasher: c.Hasher, clock: c.Clock}
	if out.staleDur == 0 {
		out.staleDur = int64(10 * time.Minute)
	}
	return out
}

func (c *config) hash(l *labels.Labels) uint64 {
	if c.hasher != nil {
		return c.hasher(l)
	}
	return l.Hash(c.layout)
}

func (c *config) now() int64 {
	if c.clock != nil {
		return c.clock()
	}
	return time.Now().UnixNano()
}

func (c *config) nowOr(now int64) int64 {
	if now != 0 {
		return now
	}
	return c.now()
}

// Designs lists the designs in DESIGN.md order (directfanout last: Alloy's merged fix).
var Designs = []string{"mutex", "rwmutex", "finegrained", "sharded", "syncmap", "percomponent", "lockfree", "directfanout"}

// MaxShards is the most shards an id's top 8 bits can address.
const MaxShards = 256

// New builds a store of the named design.
func New(design string, cfg Config) (Store, error) {
	c := cfg.resolve()
	if design != "sharded" && cfg.Shards != 0 {
		return nil, fmt.Errorf("shards applies only to the sharded store, not to %q", design)
	}
	if design != "directfanout" && cfg.Fanouts > 1 {
		return nil, fmt.Errorf("fanouts applies only to the directfanout store, not to %q", design)
	}
	switch design {
	case "mutex":
		return newService(c, 0, serviceMut), nil
	case "rwmutex":
		return newRWMutexService(c), nil
	case "finegrained":
		return newFineGrainedService(c), nil
	case "sharded":
		if cfg.Shards < 1 || cfg.Shards > MaxShards {
			return nil, fmt.Errorf("shards must be an integer from 1 to %d, got %d", MaxShards, cfg.Shards)
		}
		return newShardedService(c, cfg.Shards), nil
	case "syncmap":
		return newSyncMapService(c), nil
	case "percomponent":
		return newPerComponentService(c), nil
	case "lockfree":
		return newLockFreeService(c), nil
	case "directfanout":
		if cfg.Fanouts == 0 {
			cfg.Fanouts = 1
		}
		return newDirectFanoutService(c, cfg.Fanouts)
	}
	return nil, fmt.Errorf("unknown store %q; known stores: mutex, rwmutex, finegrained, sharded, syncmap, percomponent, lockfree, directfanout", design)
}

const serviceMut = "labelstore.Service.mut"

// copyMap copies a link table (LinkTables hands out copies).
func copyMap(m map[uint64]uint64) map[uint64]uint64 {
	out := make(map[uint64]uint64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
