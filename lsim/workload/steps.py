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
  is saturated, which the report shows).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from lsim.sync.states import Operation


class Condition(IntEnum):
    ALWAYS = 0
    IF_NO_LOCAL = 1
    IF_LOCAL_CHANGED = 2


@dataclass(frozen=True, slots=True)
class Step:
    op: Operation
    series: int = -1
    component: int = -1  # index into Workload.components
    local_id: int = 0
    condition: Condition = Condition.ALWAYS
    stale: tuple[int, ...] = ()
    live: tuple[int, ...] = ()
    pause_s: float = 0.0
    pace_period_s: float = 0.0

    @property
    def is_think(self) -> bool:
        return self.op is Operation.NONE


def think(pause_s: float) -> Step:
    return Step(Operation.NONE, pause_s=pause_s)


def pace(period_s: float) -> Step:
    return Step(Operation.NONE, pace_period_s=period_s)
