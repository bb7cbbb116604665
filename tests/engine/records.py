"""Hand-made run records for the builder's tests: what an engine would return."""

from __future__ import annotations

import dataclasses
from typing import Any

from lsim.engine.latency import GO_LOG_LINEAR, quantize
from lsim.engine.record import (
    CensusRecord,
    LockUse,
    OperationRecord,
    ProcessorUse,
    RegimeEvidence,
    RunRecord,
)
from lsim.profile.model import CensusCell, LockReport, SampledThread
from tests.workload.helpers import workload

CALM_CPU = ProcessorUse(0.25, "the widgets ran 25% flat out", "widgets at 25%")


def lock(name: str = "labelstore.Service.mut", hold_ns: int = 1_000_000) -> LockReport:
    return LockReport(
        name=name,
        kind="mutex",
        mode="write",
        acquisitions=100,
        contended=10,
        wait_total_ns=5_000_000,
        wait_max_ns=900_000,
        hold_total_ns=hold_ns,
        wait_histogram=[0] * 4 + [10],
    )


def census() -> CensusRecord:
    """Two samples of three threads: one running, then two blocked on GetLocalRefID."""
    return CensusRecord(
        rate_hz=100.0,
        samples=2,
        cells=[
            CensusCell("running", "GetOrAddGlobalRefID", "", 1),
            CensusCell("sync.Mutex.Lock", "GetLocalRefID", "labelstore.Service.mut", 3),
            CensusCell("sleep", "", "", 2),
        ],
        blocked_per_sample=[1, 2],
        representative=[
            SampledThread(1, "sync.Mutex.Lock", "GetLocalRefID", "labelstore.Service.mut", 7),
        ],
    )


def record(**changes: Any) -> RunRecord:
    """A two-second window of a paced mutex run on three threads, below saturation."""
    base = RunRecord(
        engine="fake",
        store="mutex",
        store_options={},
        workload=workload({"threads": {"count": 3}, "seed": 11}),
        command="lsim run --engine fake",
        threads=3,
        window_s=2.0,
        wall_s=3.5,
        census=census(),
        operations=[
            OperationRecord("GetLocalRefID", 10, 4_000, latencies={quantize(1_000): 10}),
            OperationRecord(
                "GetOrAddGlobalRefID",
                30,
                9_000,
                p50_ns=2_000,
                p99_ns=8_000,
                histogram=[0, 30],
                precision=GO_LOG_LINEAR,
            ),
        ],
        locks=[lock()],
        thread_ops=[10, 15, 15],
        regime=RegimeEvidence(
            processors=CALM_CPU,
            lock=LockUse("labelstore.Service.mut", 0.5),
            pace_steps=100,
            pace_late=2,
        ),
        machine={"engine": "fake", "cpus": 2},
        timings={"setup_s": 0.5},
        sampler={"rate_hz": 100.0, "samples": 2, "observer": "a test"},
        notes=["fake engine: made by hand"],
    )
    return dataclasses.replace(base, **changes)
