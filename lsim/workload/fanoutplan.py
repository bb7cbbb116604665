"""Pipeline plans for the ``directfanout`` design: the calls Alloy makes with the labelstore off.

The same ``ops.pipeline`` as the labelstore designs (same series, churn, WAL refs and
pacing: the WAL ref draws happen in the same order), compiled to the calls of Alloy's
direct fanout (``lsim/stores/directfanout.py``; step meanings in ``steps.py``). Thread t
appends through Fanout ``f = t % fanouts``, whose children are the R remote_writes of each
sample (``PipelineSpec.fanout_children``):

* R = 1: the Fanout passes samples through, no store call: one work step per sample;
* R >= 2, per sample: ``GetMapping`` (given ref 0 behind a relabel stage, else the ref the
  scrape cached), ``CreateMapping`` when there is no mapping, ``UpdateMapping`` when a
  child's ref changed; per batch (Commit) one ``TrackAppendedSeries``; thread 0 runs one
  ``cleanupStaleRefs`` tick of every Fanout every ``gc_every`` cycles.

The labelstore calls (GetOrAddGlobalRefID, GetLocalRefID, Add/ReplaceLocalLink,
TrackStaleness, Collect, CheckAndRemoveStaleMarkers) are not made at all: Alloy skips them
when the labelstore is disabled. ``fanout_stages`` is the labelstore's TrackStaleness count;
here the Fanouts before the last one pass samples through and cost nothing.

Prepopulated series are mapped up front (``prepopulate_mappings``) in the Fanout of the
thread that scrapes them (``series // series_per_thread`` for ``series_select: block``, every
Fanout otherwise), in series order, so the k-th mapping of a Fanout has unique ref k; a
thread's first batch gives that ref for its prepopulated series, as a warm scrape cache
would (without a relabel stage: behind one the ref is always 0).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lsim.errors import ConfigError
from lsim.sync.states import Operation
from lsim.workload.ids import prepopulated_local_id
from lsim.workload.model import PipelineSpec, Workload
from lsim.workload.plan import _PipelineThread
from lsim.workload.series import SeriesSet
from lsim.workload.steps import CACHED_REF, Condition, Step

_OP = Operation


def check_fanout_workload(w: Workload) -> None:
    """directfanout runs pipelines only: a mix names labelstore calls, which it never makes."""
    if not isinstance(w.behaviour, PipelineSpec):
        raise ConfigError(
            "directfanout needs an ops.pipeline workload: ops.mix draws labelstore calls, "
            "which direct fanout does not make (the labelstore is disabled)",
            source=w.source,
            field="ops",
        )


def mapping_children(w: Workload) -> int:
    """Children of each Fanout (0 for a mix workload)."""
    b = w.behaviour
    return b.fanout_children(len(w.components)) if isinstance(b, PipelineSpec) else 0


def _owner(p: PipelineSpec, series: int) -> int | None:
    """The Fanout a prepopulated series is mapped in; None: in every Fanout."""
    if p.series_select != "block":
        return None
    return (series // p.series_per_thread) % p.fanouts


def prepopulated_ref(p: PipelineSpec, fanout: int, series: int) -> int:
    """The unique ref ``prepopulate_mappings`` gave ``series`` in ``fanout`` (0: none there)."""
    owner = _owner(p, series)
    if owner is None:
        return series + 1
    if owner != fanout:
        return 0
    spt = p.series_per_thread
    return (series // spt // p.fanouts) * spt + series % spt + 1


def prepopulated_mappings(w: Workload) -> Iterator[tuple[int, int, tuple[int, ...]]]:
    """``(fanout, series, child refs)`` of every prepopulated mapping, in creation order."""
    p = w.behaviour
    if not isinstance(p, PipelineSpec) or mapping_children(w) < 2:
        return
    comps = range(len(w.components))
    for series in range(w.series.prepopulated):
        refs = tuple(prepopulated_local_id(series, c) for c in comps)
        owner = _owner(p, series)
        for fanout in range(p.fanouts) if owner is None else (owner,):
            yield fanout, series, refs


def prepopulate_mappings(store: Any, w: Workload, series_set: SeriesSet) -> int:
    """Map the prepopulated series and stamp them (as their scrape's last Commit did)."""
    check_fanout_workload(w)
    count = 0
    by_fanout: dict[int, list[int]] = {}
    for fanout, series, refs in prepopulated_mappings(w):
        ref = store.create_mapping(fanout, refs, series_set.labels(series))
        by_fanout.setdefault(fanout, []).append(ref)
        count += 1
    for fanout, unique_refs in by_fanout.items():
        store.track_appended_series(fanout, unique_refs)
    return w.series.prepopulated if count else 0


class FanoutThread(_PipelineThread):
    """One scrape target appending through its Fanout (same series and WAL refs as the
    labelstore plan of the same thread)."""

    def cycle(self, cycle: int, *, fresh: bool) -> Iterator[Step]:
        p, t = self.p, self.t
        fanout = t % p.fanouts
        mapped = len(self.comps) >= 2
        if t == 0 and mapped and p.gc_every and cycle % p.gc_every == 0:
            for f in range(p.fanouts):
                yield Step(_OP.CLEANUP_STALE_REFS, component=f)
        _gone, churned, slots = self.batch(cycle)
        prepopulated = self.w.series.prepopulated
        for j, s in enumerate(slots):
            refs = tuple(self.local_id(s, c, cycle) for c in self.comps)
            if not mapped:  # one child: passed through, no store call
                yield Step(_OP.NONE, series=s, local_id=0 if p.relabel else CACHED_REF)
                continue
            given = CACHED_REF
            if p.relabel:
                given = 0
            elif fresh and s < prepopulated and j not in churned:
                given = prepopulated_ref(p, fanout, s) or CACHED_REF
            yield Step(_OP.GET_MAPPING, s, fanout, given)
            if any(refs):  # children that allocate no ref get no mapping
                yield Step(_OP.CREATE_MAPPING, s, fanout, condition=Condition.IF_NO_MAPPING,
                           refs=refs)  # fmt: skip
            yield Step(_OP.UPDATE_MAPPING, s, fanout, condition=Condition.IF_MAPPING_CHANGED,
                       refs=refs)  # fmt: skip
        if mapped:
            yield Step(_OP.TRACK_APPENDED_SERIES, component=fanout)
