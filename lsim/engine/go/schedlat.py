"""The scheduler's latency in a go profile: how long goroutines stayed runnable before they
ran in each run's window, from the runtime's own histogram (``src/census/schedlat.go``;
PROTOCOL.md, "sched_latency"). The model engine reports the same quantities from its run
queues (:mod:`lsim.engine.model.census`), so the two can be set side by side."""

from __future__ import annotations

from typing import Any


def sched_latency(clean: dict[str, Any], census: dict[str, Any] | None) -> dict[str, Any]:
    """Both runs' scheduling latency, by run name (a run whose Go has none is left out)."""
    return {
        name: run["sched_latency"]
        for name, run in (("clean", clean), ("census", census))
        if run and (run.get("sched_latency") or {}).get("available")
    }
