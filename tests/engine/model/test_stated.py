"""The model's lock scripts derived from the locking statement: a stated path's takes and
costs become the script's sections (``lsim/engine/model/stated.py``)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsim.engine.model import designs, designs_maps  # noqa: F401  (registers the map designs)
from lsim.engine.model.core import ANNOUNCE, CPU, LOCK, READ, UNLOCK, Item
from lsim.engine.model.designs import DESIGNS, HAND_WRITTEN, Design, derived
from lsim.engine.model.far import FACTS as FAR_FACTS
from lsim.engine.model.gorwmutex import SimRWMutex
from lsim.engine.model.script import Costs, Script
from lsim.engine.model.stated import holds
from lsim.stores import STORE_NAMES, create_store
from lsim.stores.locking import LOCKING, LOCKS, LockDecl, describe_costs, lock_role, path
from lsim.stores.lockpath import COST_TERMS, Path, cost
from lsim.sync.states import Operation

# Costs far apart, so a CPU segment's sum says which terms it holds.
COSTS = Costs.from_mapping({"hash_ns": 1000, "map_hit_ns": 100, "map_insert_ns": 10,
                            "new_series_ns": 10_000, "lock_uncontended_ns": 1})  # fmt: skip
NS = {"H": 1000, "M": 100, "I": 10, "N": 10_000, "L": 1}
COMPONENTS = ("c0", "c1", "c2")
SHARDS = 4
_OP = Operation


def model(design: str) -> Design:
    shards = SHARDS if design == "sharded" else None
    options = {"fanouts": 2} if design == "directfanout" else {}
    store = create_store(design, shards=shards, **options)
    return DESIGNS[design](COSTS, COMPONENTS, shards, store)


def readable(items: list[Item]) -> list[str]:
    """``lock <role> R|W``, ``cpu <ns>``, ``unlock <role> R|W [writes n]``; an RWMutex's
    write side (inner mutex plus announcement) as one lock, as one unlock."""
    out = []
    for kind, obj, arg in items:
        if kind == CPU:
            out.append(f"cpu {obj}")
            continue
        if kind not in (LOCK, UNLOCK) or getattr(obj, "record", True) is False:
            continue  # an RWMutex's inner writer mutex: the RWMutex item says it
        role = lock_role(obj.name)
        if kind == LOCK:
            if isinstance(obj, SimRWMutex) and arg not in (READ, ANNOUNCE):
                continue
            out.append(f"lock {role} {'R' if arg == READ else 'W'}")
        elif isinstance(obj, SimRWMutex) and arg == READ:
            out.append(f"unlock {role} R")
        else:
            writes = arg >> 2
            out.append(f"unlock {role} W" + (f" writes {writes}" if writes else ""))
    return out


def test_finegrained_link_on_a_miss_holds_the_write_side_over_the_nested_link() -> None:
    # "L+H+M; hold L+M+I+N, writes 1; L+M+2*I, writes 2"
    s = Script()
    model("finegrained").get_or_add_link(s, -1, 0, miss=True, path=0)
    assert readable(s.items) == [
        "lock Service.globalMut R", "cpu 1101", "unlock Service.globalMut R",
        "lock Service.globalMut W", "cpu 10111",
        "lock Service.mappingsMut W", "cpu 121", "unlock Service.mappingsMut W writes 2",
        "unlock Service.globalMut W writes 1",
    ]  # fmt: skip


def test_a_take_over_every_component_is_one_section_per_lock_under_the_held_one() -> None:
    # percomponent GC, expired: "hold L+M+expired*I, writes 2; L+2*expired*I, writes 2"
    s = Script()
    model("percomponent").gc(s, expired=2)
    each = ["cpu 41", "unlock mapping[].mu W writes 2"]
    assert readable(s.items) == [
        "lock Service.mut W", "cpu 121",
        *[line for _ in COMPONENTS for line in ("lock mapping[].mu W", *each)],
        "unlock Service.mut W writes 2",
    ]  # fmt: skip
    names = [obj.name for kind, obj, _ in s.items
             if kind == LOCK and getattr(obj, "record", True)]  # fmt: skip
    assert names[1:] == [f"labelstore.mapping[{c}].mu" for c in COMPONENTS]


def test_the_calls_facts_pick_the_stated_case() -> None:
    fine, per = model("finegrained"), model("percomponent")
    hit, miss = Script(), Script()
    fine.get_or_add(hit, -1, miss=False)
    fine.get_or_add(miss, -1, miss=True)
    assert readable(hit.items) == ["lock Service.globalMut R", "cpu 1101",
                                   "unlock Service.globalMut R"]  # fmt: skip
    assert readable(miss.items)[3:] == ["lock Service.globalMut W", "cpu 10111",
                                        "unlock Service.globalMut W writes 1"]  # fmt: skip
    known, new = Script(), Script()
    per.add_link(known, -1, 1, path=1)
    per.add_link(new, -1, 1, path=0)
    assert readable(known.items) == ["cpu 100", "lock mapping[].mu W", "cpu 21",
                                     "unlock mapping[].mu W writes 2"]  # fmt: skip
    assert readable(new.items)[:4] == ["cpu 100", "lock Service.mut W", "cpu 111",
                                       "unlock Service.mut W writes 1"]  # fmt: skip


def test_a_sharded_call_takes_its_shards_lock_after_routing() -> None:
    s = Script()
    model("sharded").get_or_add(s, 2, miss=False)
    assert readable(s.items) == ["cpu 1000", "lock shard[].mut W", "cpu 1101",
                                 "unlock shard[].mut W"]  # fmt: skip
    assert s.items[1][1].name == "labelstore.shard[02].mut"


def _oracle(text: str, values: dict[str, int]) -> int:
    """The cost evaluated as the Python expression it also is (``x?`` as ``(x > 0)``)."""
    expr = re.sub(r"(\w+)\?", r"(\1 > 0)", text)
    return int(eval(expr, {"__builtins__": {}}, {**NS, "C": len(COMPONENTS), **values}))


# The calls of a design's model, each with the facts it passes to the builder.
def _call(d: Design, op: Operation, f: dict[str, int], s: Script) -> None:
    miss, known = bool(f["miss"]), f["known"]
    if op is _OP.GET_OR_ADD_GLOBAL_REF_ID:
        d.get_or_add(s, 1, miss)
    elif op is _OP.GET_LOCAL_REF_ID:
        d.get_local(s, 1, 2, known)
    elif op is _OP.ADD_LOCAL_LINK:
        d.add_link(s, 1, 2, known)
    elif op is _OP.REPLACE_LOCAL_LINK:
        d.replace_link(s, 1, 2, known)
    elif op is _OP.GET_OR_ADD_LINK:
        d.get_or_add_link(s, 1, 2, miss, known)
    elif op is _OP.TRACK_STALENESS:
        d.track(s, {1 if d.name == "sharded" else -1: (f["marked"], f["live"])})
    elif op is _OP.CHECK_AND_REMOVE_STALE_MARKERS:
        d.gc(s, f["expired"])
    elif op is _OP.COLLECT:
        d.collect(s)
    else:
        d.stated.build(s, op, f, comp=1)


_DERIVED = [(d, op) for d in STORE_NAMES for op, paths in LOCKING[d].items()
            if all(p.under is not None for p in paths)]  # fmt: skip


@pytest.mark.parametrize(
    ("design", "op"), _DERIVED, ids=[f"{d}-{op.go_name}" for d, op in _DERIVED]
)
@settings(max_examples=25, deadline=None)
@given(values=st.fixed_dictionaries({
    "miss": st.integers(0, 1), "known": st.integers(0, 1), "ref": st.integers(0, 1),
    **{k: st.integers(0, 6) for k in ("marked", "live", "expired", "probes", "refs",
                                      "tracked", "removed")},
    # the far facts (far.py): what one access to a growing map costs now, in 8 ns steps
    **{k: st.integers(0, 25).map(lambda n: 8 * n) for k in FAR_FACTS},
}))  # fmt: skip
def test_a_derived_script_takes_the_path_its_facts_select_and_spends_its_costs(
    design: str, op: Operation, values: dict[str, int]
) -> None:
    d = model(design)
    f = values
    stated: Path = next(p for p in LOCKING[design][op] if holds(p.when, f))
    d.far.update({k: f[k] for k in FAR_FACTS})  # as the program sets them before a build
    s = Script()
    _call(d, op, f, s)
    lines = readable(s.items)
    taken = Counter(tuple(line.split()[1:3]) for line in lines if line.startswith("lock "))
    assert stated.matches(Counter({(r, m): n for (r, m), n in taken.items()}), SHARDS, 3)
    assert stated.under is not None
    spent = _oracle(str(stated.before), f) + sum(
        _oracle(str(u.cost), f) * (taken[(t.role, t.mode)] if t.repeated else 1)
        for t, u in zip(stated.takes, stated.under, strict=True)
    )
    assert sum(int(line.split()[1]) for line in lines if line.startswith("cpu ")) == spent


def test_the_ops_each_design_derives_and_the_ones_it_writes_by_hand() -> None:
    everything = set(LOCKING["mutex"])
    hand_written = {
        "sharded": {_OP.TRACK_STALENESS, _OP.CHECK_AND_REMOVE_STALE_MARKERS},
        "syncmap": {_OP.GET_LOCAL_REF_ID, _OP.ADD_LOCAL_LINK, _OP.REPLACE_LOCAL_LINK,
                    _OP.GET_OR_ADD_LINK},
        "lockfree": everything,
    }  # fmt: skip
    for design in STORE_NAMES:
        d = model(design)
        written = {op for op in LOCKING[design] if not d.stated.derived(op)}
        assert written == hand_written.get(design, set()), design
    assert set(DESIGNS) == set(STORE_NAMES) and set(HAND_WRITTEN) <= set(STORE_NAMES)
    for design in STORE_NAMES:  # a design not hand-written has no model code of its own
        own = DESIGNS[design].__dict__.keys() - {"name", "__doc__", "__module__"}
        assert (own != set()) is (design in HAND_WRITTEN), (design, own)
    assert {"mutex", "rwmutex", "finegrained"}.isdisjoint(HAND_WRITTEN)


def test_a_design_stated_whole_needs_no_model_code(monkeypatch: pytest.MonkeyPatch) -> None:
    toy = {op: (path("always", "Service.big W", "everything", "L+M, writes 1", "H"),)
           for op in LOCKING["mutex"]}  # fmt: skip
    monkeypatch.setattr(designs, "LOCKING", {**LOCKING, "toy": toy})
    monkeypatch.setattr(designs, "LOCKS", {**LOCKS, "toy": (LockDecl("Service.big", "Mutex"),)})
    d = derived("toy")(COSTS, COMPONENTS, None, create_store("mutex"))
    assert [lk.name for lk in d.locks] == ["labelstore.Service.big"]
    s = Script()
    d.collect(s)
    assert readable(s.items) == ["cpu 1000", "lock Service.big W", "cpu 101",
                                 "unlock Service.big W writes 1"]  # fmt: skip


def test_a_design_with_unstated_costs_is_not_derived_whole() -> None:
    with pytest.raises(ValueError, match="syncmap: no model costs stated for GetLocalRefID"):
        derived("syncmap")
    with pytest.raises(ValueError, match="cannot name appenders"):
        derived("directfanout")  # every cost stated for it, but its locks are per Fanout
    with pytest.raises(ValueError, match="no model costs for TrackStaleness"):
        model("sharded").stated.build(Script(), _OP.TRACK_STALENESS, {"marked": 1})


@pytest.mark.parametrize(
    ("takes", "under", "when", "error"),
    [
        ("Service.mut W", "L; M", "always", "2 sections for 1 takes"),
        ("mapping[].mu W x components", "hold L", "always", "cannot be held"),
        ("Service.mut W", "L", "read-only map", "cannot tell this case"),
        ("Service.mut W", "L+Q", "always", "'Q' is no cost term"),
        ("Service.mut W", "L*(H+M", "always", "unbalanced"),
        ("Service.mut W", "L M", "always", "unexpected 'M'"),
    ],
)
def test_a_bad_costed_path_is_refused(takes: str, under: str, when: str, error: str) -> None:
    with pytest.raises(ValueError, match=re.escape(error)):
        path(when, takes, "", under)


def test_costs_expand_into_terms_and_print_as_stated() -> None:
    c = cost("L+expired*(1+2*C)*I")
    assert c.terms == ((1, ("L",)), (1, ("expired", "I")), (2, ("expired", "C", "I")))
    assert set(COST_TERMS) == set(NS)
    fine = LOCKING["finegrained"][_OP.GET_OR_ADD_LINK][1]
    assert describe_costs(fine) == (
        "model: L+H+M+Fs; hold L+M+I+N, writes 1; L+M+2*I+Fl+Fg, writes 2"
    )
    assert describe_costs(LOCKING["lockfree"][_OP.COLLECT][0]) == "model: hand-written"
