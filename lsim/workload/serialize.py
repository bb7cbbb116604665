""":class:`Workload` -> plain data (dicts, lists, str, numbers, None) in the YAML schema.

``load.parse_workload(workload_to_dict(w), ...)`` gives back an equal workload, so ``lsim
workload show`` prints something that is itself a valid workload file.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from lsim.workload.model import MixSpec, Workload


def _fields(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name not in skip}


def workload_to_dict(w: Workload) -> dict[str, Any]:
    s = w.series
    template: Any = s.template.name if s.template.name != "custom" else dict(s.template.labels)
    b = w.behaviour
    ops: dict[str, Any]
    if isinstance(b, MixSpec):
        ops = {"mix": dict(b.weights), "draw": _fields(b, skip=("weights",))}
    else:
        ops = {"pipeline": _fields(b)}
    return {
        "name": w.name,
        "description": w.description,
        "seed": w.seed,
        "threads": _fields(w.threads),
        "run": _fields(w.run),
        "series": {
            "count": s.count,
            "prepopulated": s.prepopulated,
            "template": template,
            "churn": _fields(s.churn),
            "layout": s.layout.value,
        },
        "components": list(w.components),
        "store": _fields(w.store),
        "ops": ops,
        "pacing": _pacing(w),
        "model": {**_fields(w.model, skip=("costs",)), "costs": dict(w.model.costs)},
    }


def _pacing(w: Workload) -> dict[str, Any]:
    out = _fields(w.pacing, skip=("offered",))
    if w.pacing.offered is not None:
        out["offered"] = w.pacing.offered.text
    return out
