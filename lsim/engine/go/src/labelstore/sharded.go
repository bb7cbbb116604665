package labelstore

import (
	"fmt"
	"strconv"

	"lsim/labels"
)

// ShardedService is design "sharded" (lsim/stores/sharded.py, option 3): N independent
// Service stores behind a routing wrapper. A global id carries its shard: shard << 56 |
// per-shard id. GetOrAddGlobalRefID/GetOrAddLink route by hash % N (the wrapper hashes to
// route and the shard hashes again inside its lock, as the proposed Go wrapper does); every
// call that takes a global id routes by its top 8 bits, and an id whose shard bits are out
// of range is unknown (0 / no-op).
//
// Shard i's lock has ID i and the name labelstore.shard[07].mut, zero-padded to
// max(2, digits of N-1) as sharded.py does.
type ShardedService struct {
	shards []*Service
	prefix []uint64
	cfg    config
}

const (
	shardBits = 56
	localMask = 1<<shardBits - 1
)

// EncodeShardID is the global id of per-shard id local in shard.
func EncodeShardID(shard int, local uint64) uint64 { return uint64(shard)<<shardBits | local }

// DecodeShardID splits a global id into (shard, per-shard id).
func DecodeShardID(global uint64) (int, uint64) { return int(global >> shardBits), global & localMask }

// ShardLockName is shard i's lock name for an n-shard store.
func ShardLockName(i, n int) string {
	width := len(strconv.Itoa(n - 1))
	if width < 2 {
		width = 2
	}
	return fmt.Sprintf("labelstore.shard[%0*d].mut", width, i)
}

func newShardedService(c config, n int) *ShardedService {
	s := &ShardedService{cfg: c, shards: make([]*Service, n), prefix: make([]uint64, n)}
	for i := range s.shards {
		s.shards[i] = newService(c, int32(i), ShardLockName(i, n))
		s.prefix[i] = uint64(i) << shardBits
	}
	return s
}

func (s *ShardedService) shardOf(global uint64) *Service {
	if i := global >> shardBits; i < uint64(len(s.shards)) {
		return s.shards[i]
	}
	return nil
}

func (s *ShardedService) GetOrAddGlobalRefID(w *Ctx, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	i := s.cfg.hash(l) % uint64(len(s.shards))
	return s.prefix[i] | s.shards[i].GetOrAddGlobalRefID(w, l)
}

func (s *ShardedService) GetLocalRefID(w *Ctx, componentID string, globalRefID uint64) uint64 {
	shard := s.shardOf(globalRefID)
	if shard == nil {
		return 0
	}
	return shard.GetLocalRefID(w, componentID, globalRefID&localMask)
}

func (s *ShardedService) AddLocalLink(w *Ctx, componentID string, globalRefID, localRefID uint64) {
	if shard := s.shardOf(globalRefID); shard != nil {
		shard.AddLocalLink(w, componentID, globalRefID&localMask, localRefID)
	}
}

func (s *ShardedService) ReplaceLocalLink(w *Ctx, componentID string, globalRefID, cachedLocalRef, newLocalRef uint64) {
	if shard := s.shardOf(globalRefID); shard != nil {
		shard.ReplaceLocalLink(w, componentID, globalRefID&localMask, cachedLocalRef, newLocalRef)
	}
}

func (s *ShardedService) GetOrAddLink(w *Ctx, componentID string, localRefID uint64, l *labels.Labels) uint64 {
	if l.IsEmpty() {
		return 0
	}
	i := s.cfg.hash(l) % uint64(len(s.shards))
	return s.prefix[i] | s.shards[i].GetOrAddLink(w, componentID, localRefID, l)
}

// TrackStaleness sends each shard the trackers of its ids (decoded), one lock acquisition
// per shard touched, in the order sharded.py takes them: shards in order of first
// appearance among the stale trackers, then among the live ones. Each shard hashes its
// stale trackers before taking its lock, so hashing stays outside every lock.
func (s *ShardedService) TrackStaleness(w *Ctx, ids []StalenessTracker) {
	n := uint64(len(s.shards))
	parts := map[uint64][]StalenessTracker{}
	var order []uint64
	for pass := 0; pass < 2; pass++ {
		for _, t := range ids {
			if IsStaleNaN(t.Value) != (pass == 0) {
				continue
			}
			i := t.GlobalRefID >> shardBits
			if i >= n {
				continue
			}
			if _, seen := parts[i]; !seen {
				order = append(order, i)
			}
			t.GlobalRefID &= localMask
			parts[i] = append(parts[i], t)
		}
	}
	for _, i := range order {
		s.shards[i].TrackStaleness(w, parts[i])
	}
}

func (s *ShardedService) CheckAndRemoveStaleMarkers(w *Ctx, now int64) int {
	now = s.cfg.nowOr(now) // one "now" for every shard, as one Go call would use
	total := 0
	for _, shard := range s.shards {
		total += shard.CheckAndRemoveStaleMarkers(w, now)
	}
	return total
}

func (s *ShardedService) Collect(w *Ctx) Counts {
	out := Counts{PerComponent: map[string]int{}}
	for _, shard := range s.shards {
		c := shard.Collect(w)
		out.GlobalIDs += c.GlobalIDs
		for name, k := range c.PerComponent {
			out.PerComponent[name] += k
		}
	}
	return out
}

// Collisions adds up the shards: equal hashes always land in the same shard.
func (s *ShardedService) Collisions() int {
	total := 0
	for _, shard := range s.shards {
		total += shard.Collisions()
	}
	return total
}

func (s *ShardedService) Locks() []LockInfo {
	out := make([]LockInfo, len(s.shards))
	for i, shard := range s.shards {
		out[i] = shard.Locks()[0]
	}
	return out
}

func (s *ShardedService) Counts() []LockCount {
	out := make([]LockCount, len(s.shards))
	for i, shard := range s.shards {
		out[i] = shard.mutStats.counts()
	}
	return out
}

// LinkTables merges the shards' tables with global ids encoded.
func (s *ShardedService) LinkTables(component string) (map[uint64]uint64, map[uint64]uint64) {
	l2g, g2l := map[uint64]uint64{}, map[uint64]uint64{}
	for i, shard := range s.shards {
		a, b := shard.LinkTables(component)
		for local, g := range a {
			l2g[local] = s.prefix[i] | g
		}
		for g, local := range b {
			g2l[s.prefix[i]|g] = local
		}
	}
	return l2g, g2l
}

func (s *ShardedService) ProbeHold() {
	for _, shard := range s.shards {
		shard.ProbeHold()
	}
}

func (s *ShardedService) ProbeRelease() {
	for _, shard := range s.shards {
		shard.ProbeRelease()
	}
}
