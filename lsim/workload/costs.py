"""Service-time costs for the Go-runtime model (``--engine model``), in nanoseconds.

Defaults are order-of-magnitude figures for Go on a current server core; a workload's
``model.costs`` section overrides any of them by name (unknown names are rejected). They are
deliberately round: the model's conclusions (who saturates, how the census splits, the
mutex/sharded ratio) must not hinge on the third digit of any of them.

Sources:

* ``hash_ns``: XXH64 over a ~100-byte label set (6 short labels) plus building the buffer,
  ~100-200 ns (Prometheus ``BenchmarkLabels_Hash``).
* ``map_hit_ns``/``map_insert_ns``: a Go map lookup that hits ~30-50 ns, an insert or delete
  ~100 ns with growth amortised (Go runtime map benchmarks; more once the map outgrows the
  caches).
* ``lock_uncontended_ns``: ``Lock`` + ``Unlock`` with no contention, ~15-20 ns (two atomic
  RMWs; ``BenchmarkMutexUncontended``); ``RLock``/``RUnlock`` cost the same.
* ``park_unpark_ns``: a P switching goroutines (``gopark``/``goready`` + ``schedule`` +
  ``gogo``), ~150-250 ns (``BenchmarkChanSync``-class hand-offs, which are two switches).
* ``spin_ns``: one round of active spinning, 30 ``PAUSE`` instructions (Go's
  ``active_spin_cnt``), ~100-150 ns on x86 (a PAUSE is ~40 cycles on Skylake and later);
  Go spins at most 4 rounds (``active_spin``).
* ``wakep_ns``: an idle P starting to run a goroutine readied elsewhere: futex wake of its
  M (a few microseconds from an idle core) plus the 3 us back-off ``runqgrab`` observes
  before stealing a running P's ``runnext``.
* ``spawn_ns``: one ``go`` statement plus ``wg.Add(1)`` in the spawning goroutine, ~200-300
  ns (``BenchmarkCreateGoroutines``); it is serial, which bounds a burst benchmark.
* ``atomic_ns``/``cas_retry_ns``: an atomic RMW or CAS on a shared word, ~20 ns when the
  cache line is local, and the cost of each failed CAS round while another core owns it.
* ``scrape_parse_ns``/``wal_append_ns``: work Alloy's scrape loop does per sample outside
  the store (parse + relabel before ``GetOrAddGlobalRefID``; the WAL append after
  ``GetLocalRefID``). Workloads that model a benchmark with no such work set both to 0.
* ``exponential_service``: 0 = every cost is fixed; 1 = every CPU segment is drawn from an
  exponential distribution with that mean (used to check the model against queueing theory).
"""

from __future__ import annotations

from types import MappingProxyType

COST_DEFAULTS: MappingProxyType[str, float] = MappingProxyType(
    {
        "hash_ns": 150.0,  # hashing one label set (inside the lock in the original)
        "map_hit_ns": 40.0,  # one Go map lookup that hits
        "map_insert_ns": 100.0,  # one Go map insert or delete
        "lock_uncontended_ns": 20.0,  # Lock + Unlock with no contention
        "park_unpark_ns": 200.0,  # a P switching to another goroutine
        "cas_retry_ns": 20.0,  # one failed compare-and-swap round
        "atomic_ns": 20.0,  # one atomic RMW/CAS on a shared word (serialises on its line)
        "wal_append_ns": 300.0,  # the WAL append Alloy does outside the store, per sample
        "scrape_parse_ns": 500.0,  # parsing/relabelling one sample outside the store
        "spin_ns": 120.0,  # one round of active spinning (Go: at most 4 rounds of 30 PAUSEs)
        "wakep_ns": 5000.0,  # an idle P waking to run a goroutine readied elsewhere
        "spawn_ns": 250.0,  # one `go` statement + wg.Add in the spawner (burst mode)
        "exponential_service": 0.0,  # 1: CPU segments drawn from Exp(mean) instead of fixed
    }
)
