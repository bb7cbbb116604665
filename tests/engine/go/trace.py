"""The Python stores' answer to ``lsimgo trace`` (PROTOCOL.md): same plan, same lines."""

from __future__ import annotations

from lsim.engine.fanoutexec import SKIPPED, FanoutCalls
from lsim.labels import HashLayout, Labels
from lsim.stores import create_store
from lsim.stores.base import STALE_NAN, StalenessTracker
from lsim.sync.states import FANOUT_OPERATIONS, Operation
from lsim.workload.steps import Condition, Step
from tests.engine.go.planread import DecodedPlan


def python_trace(plan: DecodedPlan) -> list[str]:
    """Run the setup plan, then each goroutine's traced steps, on one thread, in order."""
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
        for s in steps:
            if s.op in FANOUT_OPERATIONS:  # directfanout: the shared executor contract
                got = fanout.run(s)
                if got is not SKIPPED:
                    lines.append(f"{s.op.go_name} {s.series} {s.component} {_fanout(got)}")
                continue
            result, called = _call(store, s, gid, last_local, labels, comps)
            if not called:
                continue
            if s.op is Operation.GET_LOCAL_REF_ID:
                last_local = result
            lines.append(f"{s.op.go_name} {s.series} {s.component} {result}")
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
