"""Workloads: the model (frozen dataclasses), YAML loading with located errors, label sets,
and per-thread operation plans (``steps.py`` defines what each step means to an engine).

Data flows one way: YAML -> :class:`Workload` -> :func:`thread_steps` per thread -> engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lsim.workload.load import (
        BUILTIN_NAMES,
        builtin_workload,
        load_workload,
        parse_workload,
        resolve_workload,
        workload_to_dict,
    )
    from lsim.workload.model import (
        ChurnSpec,
        MixSpec,
        ModelSpec,
        PacingSpec,
        PipelineSpec,
        RunSpec,
        SeriesSpec,
        StoreSpec,
        TemplateSpec,
        ThreadsSpec,
        Workload,
    )
    from lsim.workload.plan import operation_shares, prepopulate, thread_steps
    from lsim.workload.series import SeriesSet
    from lsim.workload.steps import Condition, Step, pace, think

# Exports are loaded on first use, so ``import lsim.workload.steps`` (engines) stays cheap and
# does not pull in YAML parsing.
_HOME = {
    **dict.fromkeys(
        (
            "BUILTIN_NAMES",
            "builtin_workload",
            "load_workload",
            "parse_workload",
            "resolve_workload",
            "workload_to_dict",
        ),
        "load",
    ),
    **dict.fromkeys(
        (
            "ChurnSpec",
            "MixSpec",
            "ModelSpec",
            "PacingSpec",
            "PipelineSpec",
            "RunSpec",
            "SeriesSpec",
            "StoreSpec",
            "TemplateSpec",
            "ThreadsSpec",
            "Workload",
        ),
        "model",
    ),
    **dict.fromkeys(("operation_shares", "prepopulate", "thread_steps"), "plan"),
    "SeriesSet": "series",
    **dict.fromkeys(("Condition", "Step", "pace", "think"), "steps"),
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'lsim.workload' has no attribute {name!r}")
    return getattr(importlib.import_module(f"lsim.workload.{home}"), name)


__all__ = [
    "BUILTIN_NAMES",
    "ChurnSpec",
    "Condition",
    "MixSpec",
    "ModelSpec",
    "PacingSpec",
    "PipelineSpec",
    "RunSpec",
    "SeriesSet",
    "SeriesSpec",
    "Step",
    "StoreSpec",
    "TemplateSpec",
    "ThreadsSpec",
    "Workload",
    "builtin_workload",
    "load_workload",
    "operation_shares",
    "parse_workload",
    "pace",
    "prepopulate",
    "resolve_workload",
    "think",
    "thread_steps",
    "workload_to_dict",
]
