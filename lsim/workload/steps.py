"""The per-thread operation plan: the contract between workloads and both engines.

A workload (``pipeline`` or ``mix``) compiles, per thread, to a stream of :class:`Step`.
Each engine executes the same stream with the same meaning:

* the executor keeps, per thread, ``gid[series]`` (the id the last GetOrAddGlobalRefID /
  GetOrAddLink returned for that series) and ``last_local`` (what the last GetLocalRefID
  returned);
* ``GET_OR_ADD_GLOBAL_REF_ID(series)`` -> ``gid[series] = store.get_or_add_global_ref_id(L)``;
* ``GET_LOCAL_REF_ID(component, series)`` -> ``last_local = store.get_local_ref_id(c, gid)``
  (``gid`` is ``gid.get(series, 0)``);
* ``ADD_LOCAL_LINK(component, series, local_id)``: with ``IF_NO_LOCAL`` only when
  ``last_local == 0`` (a new series for that component, as Alloy's appender does);
* ``REPLACE_LOCAL_LINK(component, series, local_id)``: with ``IF_LOCAL_CHANGED`` only when
  ``last_local != 0 and last_local != local_id`` (the WAL handed out a new ref); it passes
  ``last_local`` as the cached local id;
* ``GET_OR_ADD_LINK(component, local_id, series)`` -> ``gid[series] = result``;
* ``TRACK_STALENESS``: trackers for ``stale`` series carry the stale NaN, for ``live`` series
  the value 1.0, each with ``gid.get(series, 0)`` and the series' labels;
* ``CHECK_AND_REMOVE_STALE_MARKERS`` and ``COLLECT`` take no arguments;
* ``NONE`` is think time: sleep ``pause_s``; or, when ``pace_period_s > 0``, sleep until the
  next multiple of the period since the thread started (no sleep when behind: the thread
  is saturated, which the report shows). With neither and ``series >= 0`` it is a *work
  step*: one sample appended outside any store (a Fanout passing it through to its one
  child); executors do nothing, the model charges the work (``local_id`` as for
  GET_MAPPING: 0 means a relabel stage in front, which parses the sample).

The ``directfanout`` design's calls (``fanoutplan.py`` compiles a pipeline to them; a thread
appends through one Fanout, ``component`` is the Fanout's index). The executor keeps, per
thread, ``gid[series]`` (here: the ref the Fanout returned, which the scrape caches),
``mapping`` (what the last GetMapping returned, None for no mapping), ``given`` (the ref that
GetMapping was given) and ``cell`` (the refs used since the last TrackAppendedSeries):

* ``GET_MAPPING(fanout, series)``: ``given`` = ``local_id`` when > 0 (the ref a warm
  scrape cache holds for a prepopulated series), ``gid.get(series, 0)`` when
  ``local_id == CACHED_REF``, else 0 (a relabel stage sends 0);
  ``mapping = store.get_mapping(fanout, given, labels)``; when found, ``cell += [given]``
  and ``gid[series] = given``;
* ``CREATE_MAPPING(fanout, series, refs)`` with ``IF_NO_MAPPING``, only when ``mapping`` is
  None: ``u = store.create_mapping(fanout, refs, labels)``, ``cell += [u]``,
  ``gid[series] = u`` (``refs``: what each child returned, in child order; never all 0);
* ``UPDATE_MAPPING(fanout, series, refs)`` with ``IF_MAPPING_CHANGED``, only when
  ``mapping`` is not None and differs from ``refs``: ``store.update_mapping(fanout, given,
  refs, labels)``;
* ``TRACK_APPENDED_SERIES(fanout)``: ``store.track_appended_series(fanout, cell)``, then
  ``cell = []``; ``CLEANUP_STALE_REFS(fanout)``: one tick of that Fanout's cleanup.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

from lsim.sync.states import Operation


class Condition(IntEnum):
    ALWAYS = 0
    IF_NO_LOCAL = 1
    IF_LOCAL_CHANGED = 2
    IF_NO_MAPPING = 3
    IF_MAPPING_CHANGED = 4


CACHED_REF = -1  # GET_MAPPING's local_id: give the ref the scrape cached (gid[series])


class Step(NamedTuple):
    """One plan step (immutable). A named tuple rather than a frozen dataclass: plans build
    one per store call, and a frozen dataclass's ``__init__`` (one ``object.__setattr__``
    per field) took twice as long, ~5% of a model run (issue 15)."""

    op: Operation
    series: int = -1
    component: int = -1  # index into Workload.components
    local_id: int = 0
    condition: Condition = Condition.ALWAYS
    stale: tuple[int, ...] = ()
    live: tuple[int, ...] = ()
    pause_s: float = 0.0
    pace_period_s: float = 0.0
    refs: tuple[int, ...] = ()  # CREATE/UPDATE_MAPPING: the ref each child returned

    @property
    def is_think(self) -> bool:
        return self.op is Operation.NONE


def think(pause_s: float) -> Step:
    return Step(Operation.NONE, pause_s=pause_s)


def pace(period_s: float) -> Step:
    return Step(Operation.NONE, pace_period_s=period_s)
