"""A reader of the go engine's plan file (``lsim/engine/go/PROTOCOL.md``), for tests."""

from __future__ import annotations

import json
import struct
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsim.engine.go.planfile import MAGIC
from lsim.sync.states import Operation
from lsim.workload.steps import Condition, Step


@dataclass
class DecodedPlan:
    header: dict[str, Any]
    series: dict[int, tuple[tuple[str, str], ...]]
    setup: list[Step]
    phases: list[int] = field(default_factory=list)
    prefixes: list[list[Step]] = field(default_factory=list)
    loops: list[list[Step]] = field(default_factory=list)
    iterations: list[list[list[Step]]] = field(default_factory=list)  # [iteration][goroutine]


class _Words:
    def __init__(self, words: array) -> None:  # type: ignore[type-arg]
        self.words, self.at = words, 0

    def take(self, n: int = 1) -> list[int]:
        out = list(self.words[self.at : self.at + n])
        if len(out) != n:
            raise ValueError("plan file ends early")
        self.at += n
        return out

    def one(self) -> int:
        return self.take()[0]

    def plan(self) -> list[Step]:
        steps = []
        for _ in range(self.one()):
            op, series, comp, local, cond, pause, pace, ns, nl = self.take(9)
            stale, live = tuple(self.take(ns)), tuple(self.take(nl))
            refs: tuple[int, ...] = ()
            if Operation(op) in (Operation.CREATE_MAPPING, Operation.UPDATE_MAPPING):
                refs, live = live, ()  # these carry child refs where the live list goes
            steps.append(
                Step(
                    Operation(op),
                    series,
                    comp,
                    local,
                    Condition(cond),
                    stale,
                    live,
                    pause / 1e9,
                    pace / 1e9,
                    refs,
                )
            )
        return steps


def read_plan(path: Path) -> DecodedPlan:
    data = path.read_bytes()
    assert data.startswith(MAGIC)
    at = len(MAGIC)
    parts = []
    for _ in range(2):
        (n,) = struct.unpack_from("<Q", data, at)
        parts.append(data[at + 8 : at + 8 + n])
        at += 8 + n
    header, blob = json.loads(parts[0]), parts[1]
    (n_words,) = struct.unpack_from("<Q", data, at)
    words = array("q")
    words.frombytes(data[at + 8 : at + 8 + 8 * n_words])
    assert len(data) == at + 8 + 8 * n_words, "trailing bytes after the words"
    w = _Words(words)
    series: dict[int, tuple[tuple[str, str], ...]] = {}
    for _ in range(w.one()):
        index, npairs = w.take(2)
        pairs = []
        for _ in range(npairs):
            no, nl, vo, vl = w.take(4)
            pairs.append((blob[no : no + nl].decode(), blob[vo : vo + vl].decode()))
        series[index] = tuple(pairs)
    plan = DecodedPlan(header, series, w.plan())
    if header["mode"] == "burst":
        for _ in range(header["iterations"]):
            plan.iterations.append([w.plan() for _ in range(header["goroutines"])])
    else:
        for _ in range(header["goroutines"]):
            plan.phases.append(w.one())
            plan.prefixes.append(w.plan())
            plan.loops.append(w.plan())
    assert w.at == len(words), "words left over"
    return plan
