"""``ops.pipeline``: Alloy's Prometheus write path, per thread (= one scrape target).

Per cycle (a scrape in steady mode, the one run of an iteration in burst mode) the thread
works through its batch of ``series_per_thread`` samples; per sample: ``GetOrAddGlobalRefID``
(every sample with ``relabel``, else only when the thread first sees the series), then per
remote-write component ``GetLocalRefID``, ``AddLocalLink`` (if no local id yet) and
``ReplaceLocalLink`` (if the WAL ref changed). After the batch, ``fanout_stages``
``TrackStaleness`` calls. Thread 0 also does the periodic ``Collect`` / ``CheckAndRemove
StaleMarkers``. ``plan.py`` turns this into steps; DESIGN.md §2 explains the call pattern.

The Fanouts (``prometheus.Fanout``, one per component that forwards samples): the pipeline's
samples reach the remote_writes through ``fanouts`` Fanouts (one per scrape or relabel
component feeding them), thread t through Fanout ``t % fanouts``; each has as children the
remote_writes its samples go to (:meth:`PipelineSpec.fanout_children`), and ``fanout_stages``
counts the Fanouts a sample passes (earlier ones have one child: the next component). The
labelstore designs share one store whatever the Fanouts (every Fanout calls TrackStaleness:
``fanout_stages`` per batch); ``directfanout`` keeps one mapping per Fanout and calls it
only where a Fanout has two or more children (``fanoutplan.py``). So scrape -> relabel -> 2
remote_writes is ``fanouts: 1`` with 2 components: one Fanout with 2 children.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lsim.errors import ConfigError
from lsim.workload import checks as ck

SERIES_SELECTS = ("block", "stride", "random")
COMPONENT_SELECTS = ("all", "by_thread")
LOCAL_ID_SCHEMES = ("stable", "benchmark")
MAX_FANOUTS = 10_000


@dataclass(frozen=True, slots=True)
class PipelineSpec:
    relabel: bool = True  # a relabel stage: GetOrAddGlobalRefID on every sample
    series_per_thread: int = 25  # samples per scrape batch
    # Which series thread t scrapes (sample j): block = (t*series_per_thread + j) % count,
    # stride = (t*series_stride + j) % count (Alloy's benchmark: stride 7), random = drawn
    # once per thread from the seed.
    series_select: Literal["block", "stride", "random"] = "block"
    series_stride: int = 1
    # all = every sample goes to every component (R remote-writes);
    # by_thread = thread t uses only component t % R (Alloy's benchmark).
    component_select: Literal["all", "by_thread"] = "all"
    # The WAL ref a sample gets. stable: series*100 + component, the ids prepopulate() links,
    # so a known series needs no Add/Replace; benchmark: series*1000 + thread (Alloy's
    # benchmark), which differs from the prepopulated link, so known series are Replaced.
    local_ids: Literal["stable", "benchmark"] = "stable"
    wal_ref_change_probability: float = 0.0  # per sample and component (-> Replace); stable only
    fanout_stages: int = 1  # TrackStaleness calls per batch
    fanouts: int = 1  # Fanouts with the remote_writes as children; thread t uses t % fanouts
    track_every_n_threads: int = 1  # only threads t with t % n == 0 call TrackStaleness
    stale_per_batch: int = 0  # the first k samples of the batch are sent as stale markers
    track_live: bool = True  # the other samples of the batch are sent as live (Alloy's fanout)
    collect_every: int = 0  # thread 0: one Collect every N cycles (0 = never)
    gc_every: int = 0  # thread 0: one CheckAndRemoveStaleMarkers every N cycles (0 = never)

    def __post_init__(self) -> None:
        ck.boolean("relabel", self.relabel)
        ck.integer("series_per_thread", self.series_per_thread, lo=1, hi=100_000)
        ck.choice("series_select", self.series_select, SERIES_SELECTS, what="series selection")
        ck.integer("series_stride", self.series_stride, lo=1)
        if self.series_stride != 1 and self.series_select != "stride":
            raise ConfigError("only used with series_select: stride", field="series_stride")
        ck.choice(
            "component_select", self.component_select, COMPONENT_SELECTS, what="component selection"
        )
        ck.choice("local_ids", self.local_ids, LOCAL_ID_SCHEMES, what="local id scheme")
        ck.number("wal_ref_change_probability", self.wal_ref_change_probability, lo=0, hi=1)
        if self.wal_ref_change_probability and self.local_ids != "stable":
            raise ConfigError(
                "only used with local_ids: stable (benchmark ids change every cycle already)",
                field="wal_ref_change_probability",
            )
        ck.integer("fanout_stages", self.fanout_stages, lo=0, hi=100)
        ck.integer("fanouts", self.fanouts, lo=1, hi=MAX_FANOUTS)
        ck.integer("track_every_n_threads", self.track_every_n_threads, lo=1)
        ck.integer("stale_per_batch", self.stale_per_batch, lo=0)
        if self.stale_per_batch > self.series_per_thread:
            raise ConfigError(
                f"must be <= series_per_thread ({self.series_per_thread}) "
                f"(got {self.stale_per_batch})",
                field="stale_per_batch",
            )
        ck.boolean("track_live", self.track_live)
        ck.integer("collect_every", self.collect_every, lo=0)
        ck.integer("gc_every", self.gc_every, lo=0)

    def fanout_children(self, components: int) -> int:
        """Children of each Fanout: the remote_writes a sample goes to."""
        return components if self.component_select == "all" else 1

    def check_against(self, series_count: int, burst: bool) -> None:
        """Checks that need the rest of the workload; fields are full dotted paths."""
        if self.series_per_thread > series_count:
            raise ConfigError(
                f"must be <= series.count ({series_count:,}) (got {self.series_per_thread:,})",
                field="ops.pipeline.series_per_thread",
            )
        if burst and self.wal_ref_change_probability:
            raise ConfigError(
                "applies to steady mode only (burst threads start afresh)",
                field="ops.pipeline.wal_ref_change_probability",
            )
