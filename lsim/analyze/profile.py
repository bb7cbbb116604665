"""An :class:`Analysis` as the one :class:`~lsim.profile.model.Profile` type (engine ``dump``).

Each dump is one census sample: ``census`` sums the goroutines per (state, operation, lock)
over the dumps, ``blocked_per_sample`` has each dump's blocked count, and the representative
sample is the dump whose blocked count is nearest the median, goroutine by goroutine (ages
``N minutes`` become ``wait_ns``). A dump has no throughput, latency or lock statistics:
those stay empty and the regime is ``unknown``. So every renderer, ``profile show`` and
``profile diff`` read it like any engine's profile.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lsim import __version__
from lsim.analyze.census import Analysis, DumpCensus
from lsim.profile.model import CensusCell, Profile, SampledThread

ENGINE = "dump"
MINUTE_NS = 60_000_000_000


def _stacks(analysis: Analysis) -> dict[str, list[list[str]]]:
    """Per operation, the most common chain of store frames (outermost first)."""
    out: dict[str, list[list[str]]] = {}
    tallies: dict[str, dict[tuple[tuple[str, str], ...], int]] = {}
    for d in analysis.dumps:
        for op, tally in d.stacks.items():
            merged = tallies.setdefault(op, {})
            for stack, n in tally.items():
                merged[stack] = merged.get(stack, 0) + n
    for op, merged in tallies.items():
        best = max(merged.items(), key=lambda kv: kv[1])[0]
        out[op] = [[fn, _short(where)] for fn, where in best]
    return out


def _short(where: str) -> str:
    """``file:line`` as ``Profile.stacks`` keeps it (line 0 when the dump gave none)."""
    file, _, line = where.rpartition(":")
    return where if file and line.isdigit() else f"{where}:0"


def _representative(d: DumpCensus) -> list[SampledThread]:
    return [
        SampledThread(
            thread=gid,
            state=state,
            operation=op,
            lock=lock,
            wait_ns=minutes * MINUTE_NS,
            shard=shard,
        )  # fmt: skip
        for gid, state, op, lock, minutes, shard in d.threads
    ]


def analysis_profile(analysis: Analysis, command: str = "") -> Profile:
    dumps = analysis.dumps
    cells: dict[tuple[str, str, str], int] = {}
    for d in dumps:
        for key, n in d.cells.items():
            cells[key] = cells.get(key, 0) + n
    rep = analysis.representative()
    mean_goroutines = sum(d.goroutines for d in dumps) / len(dumps)
    names = ", ".join(Path(f).name for f in analysis.files)
    releases = sorted({d.go_release() for d in dumps})
    shards = {t[5] for t in rep.threads if t[5] >= 0}
    notes = [
        f"read from {len(dumps)} goroutine dump(s): {names}; a dump has no throughput, "
        "latency or lock statistics",
        f"format: debug={rep.debug}, {', '.join(releases)}",
    ]
    if any(d.truncated for d in dumps):
        notes.append("truncated: the last goroutine record of a dump was cut off (counted)")
    return Profile(
        engine=ENGINE,
        store="dump",
        store_options={"shards": len(shards)} if shards else {},
        workload_name=names,
        workload={},
        seed=0,
        command=command,
        threads=round(mean_goroutines),
        duration_s=0.0,
        census_rate_hz=0.0,
        census_samples=len(dumps),
        census=[
            CensusCell(state, op, lock, n)
            for (state, op, lock), n in sorted(cells.items(), key=lambda kv: -kv[1])
        ],
        blocked_per_sample=[d.blocked for d in dumps],
        representative=_representative(rep),
        operations=[],
        locks=[],
        total_ops=0,
        ops_per_s=0.0,
        thread_ops=[],
        regime="unknown",
        regime_reason="a goroutine dump has no throughput: it cannot tell the regime",
        stacks=_stacks(analysis),
        machine={
            "engine": ENGINE,
            "files": list(analysis.files),
            "dumps": [d.source for d in dumps],
            "go_format": releases,
            "debug": sorted({d.debug for d in dumps}),
            "store_method": analysis.matchers.store.pattern,
            "lock": analysis.matchers.lock.pattern,
        },
        notes=notes,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        lsim_version=__version__,
    )
