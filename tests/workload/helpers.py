"""Helpers for the workload tests: paths, a reference executor of the plan contract."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lsim.stores.base import STALE_NAN, LabelStore, StalenessTracker
from lsim.sync.states import Operation
from lsim.workload.load import parse_workload
from lsim.workload.model import Workload
from lsim.workload.series import SeriesSet
from lsim.workload.steps import Condition, Step

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = ROOT / "workloads"
SHIPPED = sorted(WORKLOADS.glob("*.yaml"))


def workload(data: dict[str, Any] | None = None, source: str = "test.yaml") -> Workload:
    return parse_workload(data or {}, source)


def take(steps: Iterable[Step], n: int) -> list[Step]:
    return list(itertools.islice(steps, n))


def store_ops(steps: Iterable[Step]) -> list[Step]:
    return [s for s in steps if s.op is not Operation.NONE]


class ReferenceExecutor:
    """The meaning of each step, straight from ``steps.py``, for one thread (no timing)."""

    def __init__(self, store: LabelStore, series: SeriesSet, components: tuple[str, ...]):
        self.store, self.series, self.components = store, series, components
        self.gid: dict[int, int] = {}
        self.last_local = 0
        self.calls: Counter[str] = Counter()

    def run(self, steps: Iterable[Step]) -> None:
        for step in steps:
            self.execute(step)

    def execute(self, step: Step) -> None:
        op, store = step.op, self.store
        comp = self.components[step.component] if step.component >= 0 else ""
        gid = self.gid.get(step.series, 0)
        if op is Operation.NONE:
            return
        if step.condition is Condition.IF_NO_LOCAL and self.last_local != 0:
            return  # Add only for a series the component has no local id for
        if step.condition is Condition.IF_LOCAL_CHANGED and self.last_local in (0, step.local_id):
            return  # Replace only when the WAL ref changed
        self.calls[op.go_name] += 1
        if op is Operation.GET_OR_ADD_GLOBAL_REF_ID:
            self.gid[step.series] = store.get_or_add_global_ref_id(self.series.labels(step.series))
        elif op is Operation.GET_LOCAL_REF_ID:
            self.last_local = store.get_local_ref_id(comp, gid)
        elif op is Operation.ADD_LOCAL_LINK:
            store.add_local_link(comp, gid, step.local_id)
        elif op is Operation.REPLACE_LOCAL_LINK:
            store.replace_local_link(comp, gid, self.last_local, step.local_id)
        elif op is Operation.GET_OR_ADD_LINK:
            self.gid[step.series] = store.get_or_add_link(
                comp, step.local_id, self.series.labels(step.series)
            )
        elif op is Operation.TRACK_STALENESS:
            trackers = [
                StalenessTracker(self.gid.get(s, 0), STALE_NAN, self.series.labels(s))
                for s in step.stale
            ] + [
                StalenessTracker(self.gid.get(s, 0), 1.0, self.series.labels(s)) for s in step.live
            ]
            store.track_staleness(trackers)
        elif op is Operation.CHECK_AND_REMOVE_STALE_MARKERS:
            store.check_and_remove_stale_markers()
        elif op is Operation.COLLECT:
            store.collect()
