"""Service-time costs for the Go-runtime model (``--engine model``), in nanoseconds.

A workload's ``model.costs`` overrides any of them by name (unknown names are rejected), or
names a costs file written by ``lsim calibrate`` (``model.costs: costs.yaml``; the
``--costs FILE`` flag does the same for one run). The model's conclusions (who saturates,
how the census splits, the mutex/sharded ratio) must not hinge on the third digit of any.

Where each default comes from. "Measured here" means the micro-benchmarks that
``lsim calibrate`` runs (``lsim/engine/model/calib/``), on the 2-core AMD EPYC (Zen 5) KVM
guest lsim is developed on, with Go 1.19.8; bare-metal figures are given beside them.

Store work (what Alloy's labelstore does; figures for Go on a current server core):

* ``hash_ns``: XXH64 over a ~100-byte label set plus building the buffer, ~100-200 ns
  (Prometheus ``BenchmarkLabels_Hash``; XXH64 alone over 112 bytes measured here: 12 ns).
* ``map_hit_ns``/``map_insert_ns``: a Go map lookup that hits, ~20-50 ns (measured here:
  21 ns at 10,000 entries), an insert or delete ~100 ns with growth amortised (measured
  here: 19 ns into a warm 20,000-entry map, 290 ns into one growing to 2 million).
* ``map_miss_ns``/``map_cached_entries``: once a kind of map (all label sets; one
  component's local-to-global links) holds more entries than the caches keep, an access
  finds its bucket in cache only with probability cached / entries and otherwise waits
  ``map_miss_ns`` more for memory (``lsim/engine/model/far.py``). Measured here on a
  ``map[uint64]uint64`` chased at random (each value the next key, so no access overlaps
  another) at 1,024 to 4 million entries: 10-12 ns per lookup up to ~8,000 entries, 30-40
  at 65,536, 43-140 at 131,072 (the knee moves from run to run: the last-level cache is
  shared), 120-160 at 262,144 and 170-190 from 1 million up. Fitted to that curve, four runs
  gave miss 173-184 ns and 50,000-106,000 entries cached; the defaults round them. Bare-metal
  servers with a larger last-level cache hold more (a DRAM access is ~80-120 ns there).
* ``new_series_ns``: what a never-seen label set costs GetOrAddGlobalRefID beyond its map
  insert: the map's growth (rehashing), the new entry's allocation and the GC work they
  cause, amortised. Inserting into a map that grows to 2 million entries took 290 ns per
  insert here against 19 ns into a warm one: ~270 ns (``lsim calibrate`` measures the go
  engine's whole cost, which also stores the label set).
* ``lock_uncontended_ns``: ``Lock`` + ``Unlock`` with no contention: two atomic RMWs on a
  local line, measured here 9.7 ns (``BenchmarkMutexUncontended``-class: 10-20 ns).
  ``RLock``/``RUnlock`` cost the same.
* ``scrape_parse_ns``/``wal_append_ns``: work Alloy's scrape loop does per sample outside
  the store (parse + relabel before ``GetOrAddGlobalRefID``; the WAL append after
  ``GetLocalRefID``), ~0.5 us and ~0.3 us. Workloads that model a benchmark with no such
  work set both to 0.
* ``call_ns``: the caller's own work around every store call besides those two (0 for
  Alloy, whose per-sample work is the two above; ``lsim calibrate`` measures the go
  engine's executor here, as that is the caller the fidelity benchmark compares with).

The runtime (``runtime/proc.go``, ``sync/mutex.go``, ``runtime/sema.go``):

* ``park_unpark_ns``: a P switching goroutines (``gopark``/``goready`` + ``schedule`` +
  ``gogo``): an unbuffered channel ping-pong at GOMAXPROCS=1 costs 95-100 ns per hop here
  (``BenchmarkChanSync``-class; 100-250 ns on bare metal).
* ``resume_near_ns``/``resume_near_goroutines``/``resume_far_ns``/``resume_far_goroutines``:
  what a switch costs beyond ``park_unpark_ns`` when the goroutine it resumes last ran many
  switches ago and its ``g``, ``sudog`` and stack frames have left the caches
  (``lsim/engine/model/resume.py``): two cache levels, each holding the working sets of so
  many goroutines, each missed level adding its ns. Measured here on a ring of 2 to 32,768
  goroutines parked in ``sync.Mutex.Lock``, each unlocking the next one's mutex, at
  GOMAXPROCS=1: 185-200 ns per switch up to 256 goroutines, 225-240 at 1,024, 250-265 at
  2,048, 285-310 at 4,096, 440-605 at 8,192 and 780-900 from 16,384 up. Fitted, three runs
  gave 105-108 ns beyond 395-664 goroutines and 670-745 ns beyond 4,467-5,793; the defaults
  round the medians. A bare-metal server's larger caches move both knees up.
* ``spin_ns``: one round of active spinning, ``procyield(30)``: 30 ``PAUSE`` instructions.
  Measured here 680-720 ns (PAUSE ~23 ns on Zen 5); ~1.2 us on Intel since Skylake (~140
  cycles per PAUSE), ~100 ns on older cores (~10 cycles). Go spins at most 4 rounds.
* ``wakep_ns``: from ``wakep`` (futex wake of an idle M) until that M has found and started
  a goroutine from another P's local queue: measured here p50 19-38 us (a few us on bare
  metal).
* ``futex_wake_ns``: what ``wakep`` costs the goroutine that calls it (``startm`` ->
  ``notewakeup`` -> the futex syscall, which in a VM exits to the hypervisor to send the
  IPI): a channel send to a parked receiver while the other P is idle took p50 7-8 us here
  against 60-80 ns with no P to wake (1-2 us on bare metal).
* ``steal_backoff_ns``: ``runqgrab`` sleeps ``usleep(3)`` before taking a running P's
  ``runnext``; on Linux that sleep lasts the timer slack (50 us by default) and more:
  measured here p50 81 us (p10 76 us).
* ``line_transfer_ns``: one cache line fetched from another core's cache (the mutex word,
  a map header an insert dirtied, ``readerCount``, a shared atomic): an atomic add on a line
  the other core wrote last, minus one on a line of its own, along a dependent chain (so no
  fetch overlaps another), measured here 50-62 ns (40-100 ns on one socket, more across
  sockets). An atomic word ping-ponged between the two cores takes ~190 ns per one-way trip
  here: two transfers (the writer's and the reader's) and the spin loop's reaction.
* ``cas_retry_ns``/``atomic_ns``: an atomic RMW or CAS on a shared word, ~10-20 ns with the
  line local (as ``lock_uncontended_ns``: half of it is one RMW), and the cost of each
  failed CAS round while another core owns the line.
* ``spawn_ns``: one ``go`` statement plus ``wg.Add(1)`` in the spawning goroutine: 105-120
  ns measured here (``BenchmarkCreateGoroutines``: 200-300 ns on older cores); it is
  serial, which bounds a burst benchmark.
* ``exit_ns``: a finished goroutine's ``wg.Done`` and ``goexit0`` (the switch to the next
  goroutine is ``park_unpark_ns``): spawning 20,000 goroutines that only call ``wg.Done``
  took 250-300 ns each at GOMAXPROCS=1 here, minus ``spawn_ns`` and one switch: ~60 ns.
* ``burst_goroutine_ns``: what a goroutine started by ``go`` costs by itself in burst mode,
  beyond its spawn, its store calls and its exit: its stack starts at Go's starting size and
  is copied to twice the size at each overflow (``copystack``; a grown stack is freed at exit,
  not reused), and its fresh stack and first data are cold. ``lsim calibrate`` measures it as
  the residual of Alloy's BenchmarkHighContention at GOMAXPROCS=1 on ``--engine go`` (56-84
  ms per iteration of 20,000 goroutines here, moving between runs minutes apart) over the
  model's (21-23 ms): six runs gave 1,925-2,979 ns, median 2,267. A throwaway program agrees
  on the main part: a goroutine needing 8 KB of stack cost ~2.1 us more than one needing
  none.
* ``exponential_service``: 0 = every cost is fixed; 1 = every CPU segment is drawn from an
  exponential distribution with that mean (used to check the model against queueing theory).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lsim.errors import ConfigError

COST_DEFAULTS: MappingProxyType[str, float] = MappingProxyType(
    {
        "hash_ns": 150.0,  # hashing one label set (inside the lock in the original)
        "map_hit_ns": 40.0,  # one Go map lookup that hits
        "map_insert_ns": 100.0,  # one Go map insert or delete
        "new_series_ns": 270.0,  # storing a never-seen label set, beyond its map insert
        "lock_uncontended_ns": 10.0,  # Lock + Unlock with no contention
        "park_unpark_ns": 100.0,  # a P switching to another goroutine
        "cas_retry_ns": 20.0,  # one failed compare-and-swap round
        "atomic_ns": 10.0,  # one atomic RMW/CAS on a shared word (serialises on its line)
        "wal_append_ns": 300.0,  # the WAL append Alloy does outside the store, per sample
        "scrape_parse_ns": 500.0,  # parsing/relabelling one sample outside the store
        "call_ns": 0.0,  # the caller's own work around each store call (an executor loop)
        "spin_ns": 700.0,  # one round of active spinning: procyield(30), 30 PAUSEs
        "wakep_ns": 20_000.0,  # wakep until the woken M runs a goroutine it found
        "futex_wake_ns": 7_500.0,  # wakep's futex wake, paid by the goroutine calling it
        "steal_backoff_ns": 80_000.0,  # usleep(3) before stealing a running P's runnext
        "line_transfer_ns": 50.0,  # one cache line from another core
        "map_miss_ns": 170.0,  # a map access whose bucket is in memory, not cache: extra
        "map_cached_entries": 100_000.0,  # map entries the caches hold (not a time)
        "resume_near_ns": 105.0,  # resuming a goroutine whose lines left the nearer cache
        "resume_near_goroutines": 650.0,  # goroutines' working sets it holds (not a time)
        "resume_far_ns": 700.0,  # ... and left the farther (last-level) cache as well
        "resume_far_goroutines": 4_500.0,  # goroutines' working sets it holds (not a time)
        "spawn_ns": 110.0,  # one `go` statement + wg.Add in the spawner (burst mode)
        "exit_ns": 60.0,  # wg.Done + goexit0 of a finished goroutine (burst mode)
        "burst_goroutine_ns": 2_300.0,  # a burst goroutine's own start-up (stack growth, ...)
        "exponential_service": 0.0,  # 1: CPU segments drawn from Exp(mean) instead of fixed
    }
)

COSTS_FILE_KIND = "lsim-costs"


def load_costs_file(path: str | Path, *, source: str = "--costs") -> dict[str, float]:
    """The ``costs`` mapping of a file written by ``lsim calibrate`` (or by hand):

    .. code-block:: yaml

        kind: lsim-costs          # optional
        costs: {hash_ns: 120, spin_ns: 700}
        sources: {hash_ns: "..."} # optional: where each number came from

    Unknown cost names and negative values fail with a message naming the file and key.
    """
    import yaml

    where = source
    name = repr(str(path))
    try:
        data: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read the costs file {name}: {error.strerror or error}",
                          source=where) from None  # fmt: skip
    except yaml.YAMLError as error:
        problem = " ".join(str(error).split())
        raise ConfigError(f"costs file {name}: not valid YAML: {problem}", source=where) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("costs"), Mapping):
        raise ConfigError(f"costs file {name}: must be a mapping with a `costs:` mapping of "
                          "name -> nanoseconds", source=where)  # fmt: skip
    kind = data.get("kind", COSTS_FILE_KIND)
    if kind != COSTS_FILE_KIND:
        raise ConfigError(f"costs file {name}: kind must be {COSTS_FILE_KIND!r} (got {kind!r})",
                          source=where)  # fmt: skip
    costs: dict[str, float] = {}
    for key, value in data["costs"].items():
        shown = key if isinstance(key, str) and key.isidentifier() else repr(key)
        if key not in COST_DEFAULTS:
            raise ConfigError(
                f"costs file {name}: costs.{shown}: unknown cost; known costs: "
                f"{', '.join(COST_DEFAULTS)}",
                source=where,
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            raise ConfigError(f"costs file {name}: costs.{shown}: must be a number >= 0 "
                              f"(got {value!r})", source=where)  # fmt: skip
        costs[str(key)] = float(value)
    return costs
