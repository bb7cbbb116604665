"""The JSON Schema of every ``-f json`` output (``report.schema.json``, package data).

``load_schema()`` gives the whole schema (an output matches exactly one of its ``$defs``:
``run_report``, ``profile``, ``profile_diff``, ``compare_report``, ``workload_show``);
``schema_for(name)`` one of them, for validators that want the specific shape.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SCHEMA_NAME = "report.schema.json"
OUTPUT_KINDS = ("run_report", "profile", "profile_diff", "compare_report", "workload_show")


def load_schema() -> dict[str, Any]:
    text = resources.files("lsim.schema").joinpath(SCHEMA_NAME).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_for(kind: str) -> dict[str, Any]:
    """The schema of one kind of output, with the shared ``$defs`` it refers to."""
    if kind not in OUTPUT_KINDS:
        raise ValueError(f"unknown output kind {kind!r}; known: {', '.join(OUTPUT_KINDS)}")
    schema = load_schema()
    return {"$schema": schema["$schema"], "$ref": f"#/$defs/{kind}", "$defs": schema["$defs"]}
