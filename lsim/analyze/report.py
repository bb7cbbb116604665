"""What ``lsim analyze`` prints: the reference document's table, then the rest of the dump.

``analysis_dict`` computes every number once (it is also ``-f json``); the text and Markdown
forms only lay it out. Per dump: goroutines blocked per store operation and lock (shard
locks grouped as ``shard[*]``), their share and the total; the states of the goroutines in
the store but not blocked, outside the store, and waiting on other locks; the wait ages of
the blocked ones. Across several dumps: each dump's row and the p10/p50/p90 of the shares.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsim.analyze.census import Analysis, DumpCensus
from lsim.profile.diff import lock_group_name
from lsim.profile.model import is_blocked_state
from lsim.profile.report import percentile

REPORT_VERSION = 1
AGE_BUCKETS = ((0, 0, "< 1 min"), (1, 4, "1-4 min"), (5, 14, "5-14 min"), (15, 59, "15-59 min"),
               (60, 10**9, ">= 60 min"))  # fmt: skip


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def dump_dict(d: DumpCensus) -> dict[str, Any]:
    by_op_lock: Counter[tuple[str, str]] = Counter()
    shard_load: Counter[str] = Counter()
    in_store: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    elsewhere: Counter[str] = Counter()
    for (state, op, lock), n in d.cells.items():
        if is_blocked_state(state):
            by_op_lock[(op, lock_group_name(lock))] += n
            if lock != lock_group_name(lock) and "[?]" not in lock:
                shard_load[lock] += n
        elif state.endswith(" elsewhere"):
            elsewhere[state] += n
        elif op:
            in_store[state] += n
        else:
            outside[state] += n
    blocked = d.blocked
    ages = {label: sum(n for m, n in d.waits.items() if lo <= m <= hi)
            for lo, hi, label in AGE_BUCKETS}  # fmt: skip
    shards = sorted(shard_load.values())
    return {
        "source": d.source,
        "debug": d.debug,
        "go_format": d.go_release(),
        "goroutines": d.goroutines,
        "total_header": d.total_header,
        "blocked": blocked,
        "blocked_share": _share(blocked, d.goroutines),
        "blocked_by_operation": d.blocked_by_operation(),
        "blocked_by_operation_lock": [
            {"operation": op, "lock": lock, "goroutines": n, "share": _share(n, d.goroutines)}
            for (op, lock), n in by_op_lock.most_common()
        ],
        "in_store_not_blocked": dict(in_store.most_common()),
        "outside_store": dict(outside.most_common()),
        "other_lock_waits": dict(elsewhere.most_common()),
        "wait_ages": ages if d.debug == 2 else {},
        "oldest_wait_minutes": max(d.waits, default=0),
        "shard_locks": {
            "locks": len(shards),
            "blocked_min": shards[0] if shards else 0,
            "blocked_max": shards[-1] if shards else 0,
            "busiest": shard_load.most_common(1)[0][0] if shards else "",
        },
        "truncated": d.truncated,
    }


def analysis_dict(analysis: Analysis) -> dict[str, Any]:
    dumps = [dump_dict(d) for d in analysis.dumps]
    shares = [x["blocked_share"] for x in dumps]
    ops = list(dict.fromkeys(op for x in dumps for op in x["blocked_by_operation"]))
    per_op = {
        op: [_share(x["blocked_by_operation"].get(op, 0), x["goroutines"]) for x in dumps]
        for op in ops
    }
    return {
        "report_version": REPORT_VERSION,
        "files": analysis.files,
        "store_method": analysis.matchers.store.pattern,
        "lock": analysis.matchers.lock.pattern,
        "store_found": analysis.store_found,
        "dumps": dumps,
        "across_dumps": {
            "dumps": len(dumps),
            "goroutines_mean": sum(x["goroutines"] for x in dumps) / len(dumps),
            "blocked_share": _pcts(shares),
            "blocked_share_by_operation": {op: _pcts(v) for op, v in per_op.items()},
        },
    }


def _pcts(values: Sequence[float]) -> dict[str, float]:
    return {f"p{q}": percentile(list(values), q) for q in (10, 50, 90)}


# -- text ------------------------------------------------------------------------------------
def _align(rows: Sequence[Sequence[str]], right: set[int], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        (indent + "  ".join(c.rjust(w) if i in right else c.ljust(w)
                            for i, (c, w) in enumerate(zip(r, widths, strict=True)))).rstrip()
        for r in rows
    ]  # fmt: skip


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def _states(counts: dict[str, int]) -> str:
    return ", ".join(f"{state} {n:,}" for state, n in counts.items())


def _dump_text(x: dict[str, Any], what: str) -> list[str]:
    total = x["goroutines"]
    head = f"{Path(x['source']).name}: {total:,} goroutines (debug={x['debug']}, {x['go_format']})"
    lines = [head]
    if x["truncated"]:
        lines.append("  (the last record was cut off; it is counted)")
    if x["total_header"] >= 0 and x["total_header"] != total:
        lines.append(f"  (the header says total {x['total_header']:,})")
    rows = x["blocked_by_operation_lock"]
    if rows:
        lines.append(f"blocked on {what}:")
        table = [["operation", "goroutines", "share", "lock"]]
        table += [[r["operation"] + ":", f"{r['goroutines']:,}", _pct(r["share"]), r["lock"]]
                  for r in rows]  # fmt: skip
        table.append(["Total blocked:", f"{x['blocked']:,}", _pct(x["blocked_share"]), ""])
        lines += _align(table, {1, 2})
    else:
        lines.append(f"no goroutine is blocked on {what}")
    shards = x["shard_locks"]
    if shards["locks"]:
        lines.append(
            f"  {shards['locks']} shard locks seen: {shards['blocked_min']:,} to "
            f"{shards['blocked_max']:,} blocked goroutines per shard "
            f"(busiest {shards['busiest']})"
        )
    for key, label in (
        ("in_store_not_blocked", "in the store, not blocked"),
        ("other_lock_waits", "waiting on other locks"),
        ("outside_store", "outside the store"),
    ):
        counts = x[key]
        if counts:
            n = sum(counts.values())
            lines.append(f"{label}: {n:,} ({_pct(_share(n, total))}): {_states(counts)}")
    ages = x["wait_ages"]
    if ages and x["blocked"]:
        if x["oldest_wait_minutes"] == 0:
            lines.append("wait ages of the blocked: all < 1 min (Go prints ages from 1 minute)")
        else:
            shown = ", ".join(f"{label} {n:,}" for label, n in ages.items() if n)
            lines.append(
                f"wait ages of the blocked: {shown}; oldest {x['oldest_wait_minutes']} minutes"
            )
    elif x["debug"] == 1:
        lines.append("(debug=1 prints no states or wait ages: lock waits are read from frames)")
    return lines


def render_text(data: dict[str, Any]) -> str:
    what = "the store's locks"
    lines: list[str] = []
    dumps = data["dumps"]
    for i, x in enumerate(dumps):
        if i:
            lines.append("")
        lines += _dump_text(x, what)
    if not data["store_found"]:
        lines += [
            "",
            f"no goroutine is in a store frame (--store-method {data['store_method']!r}): "
            "the states above are all this dump shows; give --store-method for your service",
        ]
    if len(dumps) > 1:
        across = data["across_dumps"]
        lines += ["", f"across {len(dumps)} dumps (per dump: blocked share):"]
        table = [["dump", "goroutines", "blocked", "share"]]
        table += [[Path(x["source"]).name, f"{x['goroutines']:,}", f"{x['blocked']:,}",
                   _pct(x["blocked_share"])] for x in dumps]  # fmt: skip
        lines += _align(table, {1, 2, 3})
        p = across["blocked_share"]
        lines.append(f"  blocked share p10/p50/p90: {_pct(p['p10'])} / {_pct(p['p50'])} / "
                     f"{_pct(p['p90'])}")  # fmt: skip
        for op, q in across["blocked_share_by_operation"].items():
            lines.append(f"  {op}: {_pct(q['p10'])} / {_pct(q['p50'])} / {_pct(q['p90'])}")
    return "\n".join(lines) + "\n"


def render_markdown(data: dict[str, Any]) -> str:
    lines: list[str] = []
    for x in data["dumps"]:
        lines += [f"**{Path(x['source']).name}**: {x['goroutines']:,} goroutines "
                  f"(debug={x['debug']}, {x['go_format']})", ""]  # fmt: skip
        lines += ["| operation | lock | goroutines | share |", "|---|---|---:|---:|"]
        for r in x["blocked_by_operation_lock"]:
            lines.append(f"| {r['operation']} | {r['lock']} | {r['goroutines']:,} | "
                         f"{_pct(r['share'])} |")  # fmt: skip
        lines.append(f"| **Total blocked** | | {x['blocked']:,} | {_pct(x['blocked_share'])} |")
        rest = {**x["in_store_not_blocked"], **x["other_lock_waits"]}
        lines += ["", f"Not blocked, in the store or on other locks: {_states(rest) or 'none'}; "
                  f"outside the store: {_states(x['outside_store']) or 'none'}.", ""]  # fmt: skip
    if len(data["dumps"]) > 1:
        p = data["across_dumps"]["blocked_share"]
        lines.append(f"Blocked share over {len(data['dumps'])} dumps, p10/p50/p90: "
                     f"{_pct(p['p10'])} / {_pct(p['p50'])} / {_pct(p['p90'])}")  # fmt: skip
    return "\n".join(lines).rstrip() + "\n"
