"""The executor contract of the ``directfanout`` steps (``lsim/workload/steps.py``), per thread.

Shared by the threads engine's executor (which times each call) and the model's program
(which calls it for the results, single-threaded). :meth:`FanoutCalls.run` makes the one
store call of a step, or returns ``SKIPPED`` when the step's condition says no call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsim.labels import Labels
from lsim.sync.states import Operation
from lsim.workload.steps import CACHED_REF, Condition, Step

SKIPPED = object()
_GET, _CREATE = Operation.GET_MAPPING, Operation.CREATE_MAPPING
_UPDATE, _TRACK = Operation.UPDATE_MAPPING, Operation.TRACK_APPENDED_SERIES
_CLEANUP = Operation.CLEANUP_STALE_REFS


class FanoutCalls:
    """``gid``, ``mapping``, ``given`` and ``cell`` of one thread (see ``steps.py``)."""

    __slots__ = ("store", "labels_of", "gid", "mapping", "given", "cell")

    def __init__(self, store: Any, labels_of: Callable[[int], Labels]) -> None:
        self.store = store
        self.labels_of = labels_of
        self.gid: dict[int, int] = {}
        self.mapping: tuple[int, ...] | None = None
        self.given = 0
        self.cell: list[int] = []

    def skipped(self, step: Step) -> bool:
        """True when the step's condition rules the call out (no store call at all)."""
        if step.condition is Condition.IF_NO_MAPPING:
            return self.mapping is not None
        if step.condition is Condition.IF_MAPPING_CHANGED:
            return self.mapping is None or self.mapping == step.refs
        return False

    def given_ref(self, step: Step) -> int:
        if step.local_id > 0:
            return step.local_id
        return self.gid.get(step.series, 0) if step.local_id == CACHED_REF else 0

    def run(self, step: Step) -> Any:
        """The step's store call (its result), or ``SKIPPED``."""
        if self.skipped(step):
            return SKIPPED
        op, store = step.op, self.store
        if op is _GET:
            given = self.given = self.given_ref(step)
            mapping = self.mapping = store.get_mapping(
                step.component, given, self.labels_of(step.series)
            )
            if mapping is not None:
                self.cell.append(given)
                self.gid[step.series] = given
            return mapping
        if op is _CREATE:
            ref = store.create_mapping(step.component, step.refs, self.labels_of(step.series))
            self.cell.append(ref)
            self.gid[step.series] = ref
            return ref
        if op is _UPDATE:
            store.update_mapping(step.component, self.given, step.refs, self.labels_of(step.series))
            return None
        if op is _TRACK:
            cell, self.cell = self.cell, []
            store.track_appended_series(step.component, cell)
            return len(cell)
        if op is _CLEANUP:
            return store.cleanup_stale_refs(step.component)
        raise ValueError(f"not a direct-fanout operation: {op!r}")
