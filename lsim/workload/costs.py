"""Service-time costs for the Go-runtime model (``--engine model``), in nanoseconds.

Defaults are order-of-magnitude figures for Go on a current server core; a workload's
``model.costs`` section overrides any of them by name (unknown names are rejected).

Sources: label hashing of 6 labels with XXH64 over ~100 bytes ~100-200 ns (Prometheus
``BenchmarkLabels_Hash``); Go map lookup hit ~30-50 ns and insert ~100 ns (Go runtime map
benchmarks); uncontended ``sync.Mutex`` Lock+Unlock ~20 ns (``BenchmarkMutexUncontended``);
goroutine park + unpark through the semaphore ~200 ns (``BenchmarkChanSync``-class
hand-offs); atomic CAS retry ~20 ns.
"""

from __future__ import annotations

from types import MappingProxyType

COST_DEFAULTS: MappingProxyType[str, float] = MappingProxyType(
    {
        "hash_ns": 150.0,  # hashing one label set (inside the lock in the original)
        "map_hit_ns": 40.0,  # one Go map lookup that hits
        "map_insert_ns": 100.0,  # one Go map insert
        "lock_uncontended_ns": 20.0,  # Lock + Unlock with no contention
        "park_unpark_ns": 200.0,  # a waiter parked and woken through the semaphore
        "cas_retry_ns": 20.0,  # one failed compare-and-swap (lockfree design)
        "wal_append_ns": 300.0,  # the WAL append Alloy does outside the store, per sample
        "scrape_parse_ns": 500.0,  # parsing/relabelling one sample outside the store
        "spin_ns": 120.0,  # one round of active spinning (Go: 4 rounds of 30 PAUSEs)
    }
)
