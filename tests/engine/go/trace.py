"""The Python stores' answer to ``lsimgo trace`` (PROTOCOL.md): same plan, same lines."""

from __future__ import annotations

from collections import Counter

from lsim.engine.fanoutexec import SKIPPED, FanoutCalls
from lsim.labels import HashLayout, Labels
from lsim.stores import LabelStore, create_store
from lsim.stores.base import STALE_NAN, StalenessTracker
from lsim.stores.locking import STDLIB_LOCKS, Taken, lock_role
from lsim.sync.states import FANOUT_OPERATIONS, OPERATION_BY_GO_NAME, Operation
from lsim.workload.steps import Condition, Step
from tests.engine.go.planread import DecodedPlan

# Workloads whose plans exercise every operation and path of every design, traced call by
# call in Go and in Python (test_go_program.py, the locking statement tests).
TRACE_WORKLOADS = {
    "pipeline-churn-gc": {
        "threads": {"count": 6},
        "series": {"count": 40, "prepopulated": 10, "churn": {"fraction_per_cycle": 0.5}},
        "components": 3,
        "pacing": {"rate_per_thread": 5.0},
        "run": {"duration_s": 1.0, "warmup_s": 0.1},
        "ops": {
            "pipeline": {
                "series_per_thread": 5,
                "wal_ref_change_probability": 0.3,
                "stale_per_batch": 2,
                "collect_every": 2,
                "gc_every": 3,
            }
        },
    },
    "pipeline-no-relabel-fanouts": {  # direct fanout's cached refs, updates, two Fanouts
        "threads": {"count": 5},
        "series": {"count": 40, "prepopulated": 20},
        "components": 2,
        "pacing": {"rate_per_thread": 5.0},
        "run": {"duration_s": 1.0, "warmup_s": 0.1},
        "ops": {
            "pipeline": {
                "relabel": False,
                "series_per_thread": 4,
                "wal_ref_change_probability": 0.4,
                "fanouts": 2,
                "gc_every": 2,
            }
        },
    },
    "mix": {
        "threads": {"count": 4},
        "series": {"count": 30},
        "components": 2,
        "ops": {
            "mix": {
                "GetOrAddGlobalRefID": 30,
                "GetLocalRefID": 30,
                "AddLocalLink": 10,
                "ReplaceLocalLink": 10,
                "GetOrAddLink": 10,
                "TrackStaleness": 5,
                "CheckAndRemoveStaleMarkers": 2,
                "Collect": 3,
            }
        },
    },
    "benchmark-burst": {
        "threads": {"count": 50, "mode": "burst"},
        "run": {"iterations": 2},
        "series": {"count": 100, "prepopulated": 50},
        "components": 5,
        "ops": {
            "pipeline": {
                "series_per_thread": 1,
                "series_select": "stride",
                "series_stride": 7,
                "component_select": "by_thread",
                "local_ids": "benchmark",
                "track_every_n_threads": 10,
                "stale_per_batch": 1,
                "track_live": False,
                "collect_every": 10,
            }
        },
    },
}


def lock_counts(store: LabelStore, stdlib: bool = True) -> dict[str, int]:
    """``"<lock name>:W"`` -> exclusive acquisitions, ``":R"`` -> read-side ones (the
    ``lsimgo trace -locks`` keys); ``stdlib=False`` leaves out the locks Go cannot count."""
    out: dict[str, int] = {}
    for lock in store.locks():
        if not stdlib and lock_role(lock.name) in STDLIB_LOCKS:
            continue
        snap = lock.snapshot()
        out[f"{lock.name}:W"] = snap["acquisitions"]
        if "read" in snap:
            out[f"{lock.name}:R"] = snap["read"]["acquisitions"]
    return out


def counts_taken(before: dict[str, int], now: dict[str, int]) -> str:
    """``name:<mode><n>,...`` sorted, as ``lsimgo trace -locks`` prints it."""
    keys = sorted(k for k, n in now.items() if n != before.get(k, 0))
    return ",".join(f"{k[:-2]}:{k[-1]}{now[k] - before.get(k, 0)}" for k in keys)


def parse_taken(text: str) -> Taken:
    """``labelstore.shard[01].mut:W1,...`` -> (role, mode) -> count."""
    out: Taken = Counter()
    for part in filter(None, text.split(",")):
        name, _, mode_count = part.rpartition(":")
        out[(lock_role(name), mode_count[0])] += int(mode_count[1:])
    return out


def call_taken(line: str) -> tuple[Operation, Taken] | None:
    """A trace line's operation and the locks it took (None: not a call line)."""
    head, sep, taken = line.partition(" locks=")
    if not sep:
        return None
    return OPERATION_BY_GO_NAME[head.split()[0]], parse_taken(taken)


def python_trace(plan: DecodedPlan, locks: bool = False, stdlib: bool = True) -> list[str]:
    """Run the setup plan, then each goroutine's traced steps, on one thread, in order.

    ``locks``: each call line ends with `` locks=...`` as ``lsimgo trace -locks`` prints it
    (``stdlib=False``: without the sync.Map locks Go cannot count)."""
    h = plan.header
    options = {"fanouts": h["fanouts"]} if h.get("fanouts") else {}
    store = create_store(
        h["design"],
        shards=h["shards"] or None,
        layout=HashLayout(h["layout"]),
        clock=lambda: 0.0,
        **options,
    )
    labels = {i: Labels(pairs) for i, pairs in plan.series.items()}
    comps = h["components"]
    lines: list[str] = []
    plans = [plan.setup]
    if h["mode"] == "burst":
        plans += plan.iterations[0]
    else:
        plans += [p + lp for p, lp in zip(plan.prefixes, plan.loops, strict=True)]
    for steps in plans:
        gid: dict[int, int] = {}
        last_local = 0
        fanout = FanoutCalls(store, labels.__getitem__)
        before = lock_counts(store, stdlib)
        for s in steps:
            if s.op in FANOUT_OPERATIONS:  # directfanout: the shared executor contract
                got = fanout.run(s)
                if got is SKIPPED:
                    continue
                line = f"{s.op.go_name} {s.series} {s.component} {_fanout(got)}"
            else:
                result, called = _call(store, s, gid, last_local, labels, comps)
                if not called:
                    continue
                if s.op is Operation.GET_LOCAL_REF_ID:
                    last_local = result
                line = f"{s.op.go_name} {s.series} {s.component} {result}"
            if locks:
                now = lock_counts(store, stdlib)
                line += f" locks={counts_taken(before, now)}"
                before = now
            lines.append(line)
    counts = store.collect()
    per = " ".join(f"{c}={n}" for c, n in sorted(counts["ids_per_component"].items()))
    lines.append(f"collect {counts['global_ids']} {per}".rstrip())
    lines.append(f"collisions {store.collisions}")
    return lines


def _fanout(result: object) -> int:
    """The trace's number for a direct-fanout call: GetMapping's child-ref count, the ref
    CreateMapping made, TrackAppendedSeries' and the cleanup's counts, 0 for UpdateMapping."""
    if result is None:
        return 0
    if isinstance(result, tuple):
        return len(result)
    assert isinstance(result, int)
    return result


def _call(store, s: Step, gid, last_local, labels, comps) -> tuple[int, bool]:  # type: ignore[no-untyped-def]
    op = s.op
    if op is Operation.NONE:
        return 0, False
    if s.condition is Condition.IF_NO_LOCAL and last_local != 0:
        return 0, False
    if s.condition is Condition.IF_LOCAL_CHANGED and last_local in (0, s.local_id):
        return 0, False
    comp = comps[s.component] if s.component >= 0 else ""
    g = gid.get(s.series, 0)
    if op is Operation.GET_OR_ADD_GLOBAL_REF_ID:
        gid[s.series] = out = store.get_or_add_global_ref_id(labels[s.series])
        return out, True
    if op is Operation.GET_LOCAL_REF_ID:
        return store.get_local_ref_id(comp, g), True
    if op is Operation.ADD_LOCAL_LINK:
        store.add_local_link(comp, g, s.local_id)
    elif op is Operation.REPLACE_LOCAL_LINK:
        store.replace_local_link(comp, g, last_local, s.local_id)
    elif op is Operation.GET_OR_ADD_LINK:
        gid[s.series] = out = store.get_or_add_link(comp, s.local_id, labels[s.series])
        return out, True
    elif op is Operation.TRACK_STALENESS:
        trackers = [StalenessTracker(gid.get(x, 0), STALE_NAN, labels[x]) for x in s.stale]
        trackers += [StalenessTracker(gid.get(x, 0), 1.0, labels[x]) for x in s.live]
        store.track_staleness(trackers)
    elif op is Operation.CHECK_AND_REMOVE_STALE_MARKERS:
        store.check_and_remove_stale_markers()  # PROTOCOL: its trace result is 0
    elif op is Operation.COLLECT:
        store.collect()
    return 0, True
