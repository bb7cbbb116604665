"""What ``lsim fit`` prints: the target, the fitted workload, the fit quality, the predictions."""

from __future__ import annotations

from typing import Any

from lsim.fit.predict import Prediction1
from lsim.fit.search import FitResult, Trial, error_of

Row = list[str]


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def _align(rows: list[Row], indent: str = "  ", left: int = 1) -> list[str]:
    """Columns aligned: the first ``left`` to the left, the rest (numbers) to the right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        (indent + "  ".join(c.ljust(w) if i < left else c.rjust(w)
                            for i, (c, w) in enumerate(zip(r, widths, strict=True)))).rstrip()
        for r in rows
    ]  # fmt: skip


def operations(result: FitResult) -> list[str]:
    assert result.best is not None
    ops = list(result.target.blocked)
    ops += [op for op in result.best.point.weights if op not in ops]
    return ops


def quality(result: FitResult) -> dict[str, Any]:
    """Target vs the best fine run: shares of all goroutines, and the total-variation
    distance over (blocked per operation, not blocked)."""
    best, target = result.best, result.target
    assert best is not None
    rows = {op: {"target": target.share(op), "model": best.share(op)} for op in operations(result)}
    rest_t, rest_m = 1 - target.blocked_share, 1 - best.blocked_share
    tv = 0.5 * (sum(abs(r["model"] - r["target"]) for r in rows.values()) + abs(rest_m - rest_t))
    return {
        "operations": rows,
        "blocked": {"target": target.blocked_share, "model": best.blocked_share},
        "total_variation": tv,
        "worst_points": 100 * error_of(best, target),
        "goroutines": best.goroutines,
    }


def mix(result: FitResult) -> dict[str, float]:
    assert result.best is not None
    weights = result.best.point.weights
    total = sum(weights.values()) or 1.0
    return {op: w / total for op, w in weights.items()}


def result_dict(
    result: FitResult, predictions: list[Prediction1], extra: dict[str, Any]
) -> dict[str, Any]:
    assert result.best is not None
    p = result.best.point
    return {
        "target": {
            "goroutines": result.target.goroutines,
            "other": result.target.other,
            "blocked": result.target.blocked,
            "in_store": result.target.in_store,
            "source": result.target.source,
        },
        "store": result.store,
        "shards": result.shards,
        "workload": {
            "goroutines": p.goroutines,
            "think_s": p.think_s,
            "offered_calls_per_s_per_goroutine": 1 / p.think_s,
            "mix": mix(result),
            "gomaxprocs": p.gomaxprocs,
            "sim_time_s": p.sim_time_s,
            "seed": p.seed,
        },
        "quality": quality(result),
        "runs": [_trial_dict(t) for t in result.trials],
        "predictions": [
            {
                "design": pr.label,
                "blocked_share": pr.trial.blocked_share,
                "blocked_share_by_operation": {op: pr.trial.share(op) for op in operations(result)},
                "ops_per_s": pr.trial.profile.ops_per_s,
                "regime": pr.trial.profile.regime,
                "reduction": pr.reduction,
                "document": None if pr.document is None else pr.document.text,
                "goroutines": pr.trial.goroutines,
                "sim_time_s": pr.trial.point.sim_time_s,
            }
            for pr in predictions
        ],
        **extra,
    }


def _trial_dict(t: Trial) -> dict[str, Any]:
    return {"phase": t.phase, "goroutines": t.point.goroutines, "think_s": t.point.think_s,
            "sim_time_s": t.point.sim_time_s, "blocked_share": t.blocked_share,
            "wall_s": t.wall_s}  # fmt: skip


def render_text(data: dict[str, Any], workload_path: str | None) -> str:
    t, w, q = data["target"], data["workload"], data["quality"]
    ops = list(q["operations"])
    blocked = ", ".join(f"{op} {n:,.0f} ({_pct(n / t['goroutines'])})"
                        for op, n in t["blocked"].items())  # fmt: skip
    lines = [
        f"target ({t['source']}): {t['goroutines']:,} goroutines; blocked {blocked}; total "
        f"{_pct(q['blocked']['target'])}",
    ]
    runs = data["runs"]
    coarse = [r for r in runs if r["phase"] == "coarse"]
    fine = [r for r in runs if r["phase"] == "fine"]
    took = sum(r["wall_s"] for r in runs)
    lines.append(
        f"search: {len(runs)} model runs ({len(coarse)} at {coarse[0]['goroutines']:,} goroutines, "
        if coarse
        else f"search: {len(runs)} model runs ("
    )
    lines[-1] += f"{len(fine)} at {w['goroutines']:,}), {took:.0f} s"
    shown_mix = ", ".join(f"{op} {100 * s:.1f}%" for op, s in w["mix"].items())
    design = data["store"] + (f" --shards {data['shards']}" if data["shards"] else "")
    lines += [
        "",
        "fitted workload" + (f" (written to {workload_path})" if workload_path else "") + ":",
        *_align(
            [
                [
                    "goroutines",
                    f"{w['goroutines']:,} calling the store"
                    + (f" + {t['other']:,} others (not simulated)" if t["other"] else ""),
                ],
                ["operation mix", f"{shown_mix} of store calls"],
                [
                    "offered load",
                    f"{w['offered_calls_per_s_per_goroutine']:,.0f} calls/s per goroutine "
                    f"(an exponential pause of {w['think_s'] * 1e3:.3g} ms after each call)",
                ],
                ["design, GOMAXPROCS", f"{design}, {w['gomaxprocs']}"],
                ["simulated", f"{w['sim_time_s'] * 1e3:.3g} ms, seed {w['seed']}"],
            ],
            left=2,
        ),
        "",
        f"fit quality (the model at {q['goroutines']:,} goroutines vs the target):",
    ]
    rows: list[Row] = [["", "target", "model", "points"]]
    for op in ops:
        r = q["operations"][op]
        rows.append([op, _pct(r["target"]), _pct(r["model"]),
                     f"{100 * (r['model'] - r['target']):+.2f}"])  # fmt: skip
    b = q["blocked"]
    rows.append(["Total blocked", _pct(b["target"]), _pct(b["model"]),
                 f"{100 * (b['model'] - b['target']):+.2f}"])  # fmt: skip
    lines += _align(rows)
    lines.append(f"  total-variation distance {q['total_variation']:.4f}; worst cell "
                 f"{q['worst_points']:.2f} points")  # fmt: skip
    preds = data["predictions"]
    if preds:
        n = preds[0]["goroutines"]
        lines += [
            "",
            f"predictions on the fitted workload (model engine, {n:,} goroutines with the "
            "fitted load per lock capacity):",
        ]
        rows = [["design", *ops, "blocked", "reduction", "document", "ops/s", "regime"]]
        for p in preds:
            red = "-" if p["reduction"] is None else f"{100 * p['reduction']:.0f}%"
            rows.append([p["design"], *(_pct(p["blocked_share_by_operation"][op]) for op in ops),
                         _pct(p["blocked_share"]), red, p["document"] or "-",
                         f"{p['ops_per_s']:,.0f}", p["regime"]])  # fmt: skip
        lines += _align(rows)
        lines.append("  reduction: fewer blocked goroutines than mutex; document: the reference "
                     "document's estimate")  # fmt: skip
    for note in data.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"
