"""The commented starting file ``lsim workload new NAME`` writes.

Every key is present with its default-ish value and a comment, so the file doubles as the
schema reference; a test loads it to keep it valid.
"""

from __future__ import annotations

import re

from lsim.errors import ConfigError

_NAME_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")

_TEMPLATE = """\
# __NAME__: an lsim workload (see `lsim workload show FILE` for the derived operation split).
# It models Alloy's Prometheus write path: each thread is one scrape target that works
# through a batch of samples every interval. Edit, then `lsim workload validate FILE`.
name: __NAME__    # shown in reports and profile file names
description: "scrape targets -> relabel -> one remote_write, paced"  # one line for humans
seed: 1                       # every plan is derived from it; same seed, same run

threads:
  count: 1000                 # worker threads (<= ~21,600 per process, measured at start)
  mode: steady                # steady: long-lived threads loop | burst: fresh threads per iteration

run:
  duration_s: 5.0             # steady: measured time
  iterations: 5               # burst: how many times `count` fresh threads run their plan once
  warmup_s: 0.5               # steady: start-up time not measured

series:
  count: 25000                # label sets 0 .. count-1
  prepopulated: 25000         # the first N get a global id + a link per component before the run
  # alloy-benchmark (Alloy's BenchmarkHighContention labels) or a mapping label -> format.
  # Formats use the series index i: {i} {i//N} {i%N} {i%N+B} {i+B} {i%N:a|b|c}
  template:
    __name__: "node_metric_{i%25}"    # 25 metric names per target
    job: node-exporter                # the same for every series
    instance: "target-{i//25}:9100"   # one target per 25 series
  churn:
    fraction_per_cycle: 0.0   # share of a thread's series replaced by new ones every scrape
  layout: stringlabels        # label hash byte layout: stringlabels | slicelabels

components: 1                 # remote_write components: a number (component_0..) or a list of names

store:                        # optional: the design this workload is meant for (flags override)
  # designs: mutex | rwmutex | finegrained | sharded | syncmap | percomponent | lockfree
  #          | directfanout (no labelstore: a series-ref mapping per Fanout, Alloy's merged fix)
  design: null                # one of the designs above, or null (the command's default)
  shards: null                # 1..256, for sharded

ops:
  pipeline:
    relabel: true             # GetOrAddGlobalRefID on every sample (else only for new series)
    series_per_thread: 25     # samples per scrape batch
    series_select: block      # block | stride | random: which series a thread scrapes
    series_stride: 1          # with stride: thread t uses (t*stride + j) % count
    component_select: all     # all: every component per sample | by_thread: component t % R
    local_ids: stable         # stable: prepopulated WAL refs hold | benchmark: series*1000+thread
    wal_ref_change_probability: 0.0  # per sample & component: WAL ref changes -> ReplaceLocalLink
    fanout_stages: 1          # TrackStaleness calls per batch (Fanouts a sample passes)
    fanouts: 1                # Fanouts feeding the remote_writes (thread t: t % fanouts);
                              # each has one child per remote_write (directfanout maps refs
                              # per Fanout when it has 2+; the labelstore designs share one)
    track_every_n_threads: 1  # only threads t % n == 0 call TrackStaleness
    stale_per_batch: 0        # first k samples of a batch sent as stale markers
    track_live: true          # the rest of the batch sent as live samples
    collect_every: 0          # thread 0: Collect every N cycles (0 = never)
    gc_every: 0               # thread 0: CheckAndRemoveStaleMarkers every N cycles (0 = never)
  # Instead of `pipeline`, a weighted random mix of single calls:
  # mix: {GetOrAddGlobalRefID: 48, GetLocalRefID: 44, TrackStaleness: 1}
  # draw: {series: uniform, series_per_thread: 100, component: uniform,
  #        stale_per_call: 1, live_per_call: 0}

pacing:                       # how often a thread works; all off = closed loop (saturates)
  think: none                 # none | fixed | exponential pause after each batch
  think_s: 0.0                # the pause (mean when exponential)
  rate_per_thread: 0.5        # batches per second per thread (0 = off; not with think)
  batch_size: 1               # mix only: calls per batch
  offered: null               # or the total load: "1.6x mutex" (x that design's capacity
                              # measured here; rate_per_thread is then what --no-calibrate
                              # and the model/go engines run), or calls/s: 41000

model:                        # the Go-runtime model engine
  gomaxprocs: 8               # Ps (cores)
  goroutines: null            # null: threads.count; up to 1,000,000
  sim_time_s: 0.2             # simulated seconds
  costs: {}                   # overrides in ns, e.g. {hash_ns: 150}
"""


def new_workload_text(name: str) -> str:
    """The starting file for a workload called ``name`` (letters, digits, ``_.-``)."""
    if not _NAME_OK.fullmatch(name):
        raise ConfigError(
            f"bad workload name {name!r}: use letters, digits, '_', '.', '-' (up to 100)",
            source="NAME",
        )
    return _TEMPLATE.replace("__NAME__", name, 2)
