"""Fidelity's second table: which convoy each engine ran, by two mechanisms both can read.

* **starving**: the share of time the hottest lock's (writer) mutex was in starvation mode
  (real Go: its state word's ``mutexStarving`` bit read every 200 us in the clean run, the
  go engine's ``lock_words``; model: the rules' flag at each census tick). A hand-off convoy
  (one goroutine switch per acquisition) sits there; a convoy of woken waiters does not.
* **sched >= 1 ms**: the share of runnable -> running waits of 1 ms or more, and their p99
  (real Go: ``/sched/latencies:seconds`` over the window, the go engine's ``sched_latency``;
  model: every such wait in the window). Woken waiters run within microseconds in one
  convoy and pile up in the run queues for milliseconds in another.

A cell *agrees* when the model's median lies inside real Go's range over its runs widened by
10 points, as the blocked-share target reads. Runs cached before these existed show ``-``.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

SLACK = 0.10


def words_run(integrations: dict[str, Any]) -> dict[str, Any]:
    """The lock words of one run: Go's clean run's, its census run's where the clean run did
    not read them (cached runs from before GOMAXPROCS 1 went without: PROTOCOL.md,
    ``lock_words``), or the model's."""
    words = integrations.get("lock_words") or {}
    clean = words.get("clean") or {}
    if clean.get("samples"):
        return dict(clean)
    return dict(words.get("census") or words.get("model") or {})


def mechanism_fields(integrations: dict[str, Any]) -> dict[str, float]:
    """The two mechanisms of one run (the clean run's for Go, the model's own)."""
    out: dict[str, float] = {}
    run = words_run(integrations)
    starving = run.get("per_lock_starving")
    if starving:
        out["starving_time"] = max(starving.values())
    latency = integrations.get("sched_latency") or {}
    lat = latency.get("clean") or latency.get("model") or {}
    if lat.get("count"):
        out["sched_over_1ms"] = float(lat.get("over_1ms_share", 0.0))
        out["sched_p99_s"] = float(lat.get("p99_s", 0.0))
    return out


def _span(values: list[float]) -> str:
    if not values:
        return f"{'-':>15}"
    return f"{statistics.median(values):5.0%} [{min(values):3.0%}-{max(values):3.0%}]"


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e3:8.2f}" if values else f"{'-':>8}"


Runs = Callable[[str, str, int], tuple[list[dict[str, Any]], list[dict[str, Any]]]]


def mechanism_table(cells: list[str], procs: list[int], designs: list[str], runs: Runs) -> None:
    """Print the table; ``runs(cell, design, procs)`` gives (Go's runs, the model's runs)."""
    head = (f"{'cell':10} {'design':12} P | {'Go starving':>15} {'model':>5} ok | "
            f"{'Go sched>=1ms':>15} {'model':>5} ok | {'p99 ms Go':>9} {'model':>8}")  # fmt: skip
    print(head)
    print("-" * len(head))
    agree = {"starving": [0, 0], "sched": [0, 0]}
    for cell in cells:
        for p in procs:
            for design in designs:
                go, mo = runs(cell, design, p)
                if not go or not mo:
                    continue
                cols = []
                for key, name in (("starving_time", "starving"), ("sched_over_1ms", "sched")):
                    g = [r[key] for r in go if key in r]
                    m = [r[key] for r in mo if key in r]
                    ok = ""
                    if g and m:
                        mm = statistics.median(m)
                        hit = min(g) - SLACK <= mm <= max(g) + SLACK
                        agree[name][0] += hit
                        agree[name][1] += 1
                        ok = "Y" if hit else "n"
                    model = f"{statistics.median(m):5.0%}" if m else f"{'-':>5}"
                    cols.append(f"{_span(g)} {model} {ok:>2}")
                gp = [r["sched_p99_s"] for r in go if "sched_p99_s" in r]
                mp = [r["sched_p99_s"] for r in mo if "sched_p99_s" in r]
                print(f"{cell:10} {design:12} {p} | {cols[0]} | {cols[1]} | "
                      f"{_ms(gp):>9} {_ms(mp)}")  # fmt: skip
    for name, (hit, n) in agree.items():
        if n:
            print(f"{name} inside Go's range +-{SLACK:.0%}: {hit}/{n}")
