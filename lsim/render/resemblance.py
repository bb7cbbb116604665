"""The resemblance score of ``lsim profile diff`` as text, Markdown and JSON."""

from __future__ import annotations

from typing import Any

from lsim.profile.resemblance import CellShare, Resemblance

TOP = 5
EXPLAIN = (
    "total-variation distance over state x operation x lock: 0 = the same census shares, "
    "1 = nothing in common"
)


def _cell(c: CellShare) -> str:
    parts = [c.state, c.operation, c.lock]
    return " / ".join(p for p in parts if p)


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def resemblance_lines(r: Resemblance | None) -> list[str]:
    if r is None:
        return []
    lines = ["", f"Resemblance: {r.distance:.3f} ({EXPLAIN}); the cells that differ most:"]
    top = r.top(TOP)
    width = max((len(_cell(c)) for c in top), default=0)
    for c in top:
        lines.append(
            f"  {_cell(c).ljust(width)}  {_pct(c.before):>7} -> {_pct(c.after):>7}  "
            f"({100 * c.delta:+.2f} points)"
        )
    if not top:
        lines.append("  none: every cell has the same share")
    return lines


def resemblance_markdown(r: Resemblance | None) -> list[str]:
    if r is None:
        return []
    lines = ["", f"**Resemblance: {r.distance:.3f}** ({EXPLAIN})", ""]
    lines += ["| cell | before | after | points |", "|---|---:|---:|---:|"]
    lines += [
        f"| {_cell(c)} | {_pct(c.before)} | {_pct(c.after)} | {100 * c.delta:+.2f} |"
        for c in r.top(TOP)
    ]
    return lines


def resemblance_dict(r: Resemblance | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "total_variation": r.distance,
        "cells": [
            {
                "state": c.state,
                "operation": c.operation,
                "lock": c.lock,
                "before": c.before,
                "after": c.after,
                "delta": c.delta,
            }
            for c in r.cells
        ],  # fmt: skip
    }
