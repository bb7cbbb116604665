"""A compare or sweep as plain data: rows versus a reference, verdicts, notes.

Every ratio is a ratio of medians, stated once here and in the rendered legend:
* throughput ratio  = median ops/s (design) / median ops/s (reference)
* blocked reduction = 1 - median blocked share (design) / median blocked share (reference)
The reference is ``mutex`` (the document's baseline) when it was measured, else the first
design of the group. Rows measured at different thread counts (a ``--threads`` sweep) are
compared only within their own thread count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lsim.compare.aggregate import BELOW, SATURATED, Summary, hot_operations, summarize
from lsim.compare.predictions import Prediction, predicted_reduction
from lsim.compare.runner import NOISY_RETRIES, RunLog, is_noisy
from lsim.compare.verdict import Verdict, choose_metric, judge

BASELINE = "mutex"
LEGEND = (
    "Ratios use medians over repetitions: x ref = median ops/s / reference's median "
    "ops/s; reduction = 1 - median blocked share / reference's median blocked share. "
    "Blocked share = mean threads queued on a store lock / mean live threads (census)."
)


@dataclass
class Row:
    summary: Summary
    reference: str  # label of the row this one is compared with
    throughput_ratio: float | None  # None: the reference's median throughput is 0
    blocked_reduction: float | None  # None: the reference had nothing blocked
    prediction: Prediction | None  # the document's, always versus mutex

    @property
    def label(self) -> str:
        return self.summary.variant.label

    @property
    def is_reference(self) -> bool:
        return self.label == self.reference


@dataclass
class Group:
    """Rows measured under the same conditions (one thread count), with their verdict."""

    title: str | None
    rows: list[Row]
    verdict: Verdict
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ScheduleEntry:
    run: int  # 1-based position in the schedule
    label: str
    repetition: int
    status: str  # "done" | "interrupted" | "failed" | "not run"
    profile: str | None


@dataclass
class ComparisonReport:
    command: str  # "compare" | "sweep"
    workload: str
    seed: int
    engine: str
    repeat: int
    axis: str | None  # sweeps: lsim.compare.sweep.AXES
    hot_ops: list[str]
    groups: list[Group]
    schedule: list[ScheduleEntry]
    interrupted: bool
    profiles_dir: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        return [row for group in self.groups for row in group.rows]

    @property
    def finished(self) -> int:
        return sum(1 for e in self.schedule if e.status == "done")


def _ratio(value: float, base: float) -> float | None:
    return value / base if base > 0 else None


def _own_calls(store: str) -> bool:
    """directfanout makes other calls than the labelstore designs: ops/s do not compare."""
    from lsim.stores import STORE_NAMES, calls_of

    return store in STORE_NAMES and calls_of(store) == "fanout"


FANOUT_NOTE = (
    "directfanout makes other calls than the labelstore designs (none with one remote_write; "
    "GetMapping per sample and TrackAppendedSeries per batch with two or more): its ops/s "
    "count those, so its x ref is left out; compare it by blocked share and latency."
)


def build_rows(summaries: Sequence[Summary]) -> list[Row]:
    names = [s.variant.label for s in summaries]
    ref = next((s for s in summaries if s.variant.store == BASELINE), summaries[0])
    rows = []
    for s in summaries:
        reduction = _ratio(s.blocked.median, ref.blocked.median)
        comparable = _own_calls(s.variant.store) == _own_calls(ref.variant.store)
        rows.append(
            Row(
                summary=s,
                reference=names[summaries.index(ref)],
                throughput_ratio=(
                    _ratio(s.throughput.median, ref.throughput.median) if comparable else None
                ),
                blocked_reduction=None if reduction is None else 1 - reduction,
                prediction=predicted_reduction(s.variant.store, s.variant.shards),
            )
        )
    return rows


def regime_note(summaries: Sequence[Summary]) -> str | None:
    kinds = {s.regime for s in summaries}
    if len(kinds) < 2:
        return None
    parts = []
    for kind, words in ((SATURATED, "saturated"), (BELOW, "below saturation"), ("mixed", "mixed")):
        names = [s.variant.label for s in summaries if s.regime == kind]
        if names:
            parts.append(f"{words}: {', '.join(names)}")
    return (
        "Rows differ in regime (" + "; ".join(parts) + "). Below saturation throughput is "
        "the offered load; compare those rows by blocked share."
    )


def build_group(
    title: str | None, summaries: Sequence[Summary], quiet: Sequence[Summary] | None = None
) -> Group:
    """The rows of ``summaries`` (every finished run) and a verdict on ``quiet``: the same
    variants' runs that no busy neighbour disturbed (default: all of them)."""
    rows = build_rows(summaries)
    judged = list(summaries if quiet is None else quiet)
    metric, metric_note = choose_metric([r for s in judged for r in s.regimes])
    by_throughput = metric.name == "throughput"
    spread = [
        (s.variant.label, s.throughput if by_throughput else s.blocked)
        for s in judged
        if not (by_throughput and _own_calls(s.variant.store))  # other calls: other ops/s
    ]
    if len(judged) < 2 <= len(summaries):  # the runs were there, the quiet ones were not
        metric_note = None
        kept = ", ".join(s.variant.label for s in judged) or "no design"
        verdict = Verdict(
            "noisy",
            metric.name,
            None,
            None,
            (
                f"No verdict: other processes were busy during the runs, and {kept} alone had "
                "quiet ones (noisy runs never count).",
            ),
        )
    else:
        verdict = judge(spread, metric, reference=rows[0].reference)
    notes = [n for n in (regime_note(summaries), metric_note) if n]
    if any(_own_calls(s.variant.store) for s in summaries) and len(summaries) > 1:
        notes.append(FANOUT_NOTE)
    notes += _noisy_notes(summaries, judged)
    reference = next(r for r in rows if r.is_reference)
    if reference.summary.variant.store != BASELINE:
        notes.append(
            f"No {BASELINE} row: ratios and reductions are versus "
            f"{reference.label}; the document's predictions stay versus {BASELINE}."
        )
    return Group(title, rows, verdict, notes)


def _noisy_notes(summaries: Sequence[Summary], judged: Sequence[Summary]) -> list[str]:
    """Which rows' runs were left out of the verdict because other processes were busy."""
    counted = {s.variant: s.runs for s in judged}
    left_out = [
        f"{s.variant.label} {s.runs - counted.get(s.variant, 0)} of {s.runs}"
        for s in summaries
        if s.runs > counted.get(s.variant, 0)
    ]
    if not left_out:
        return []
    none_left = [s.variant.label for s in summaries if s.variant not in counted]
    text = (
        "Noisy runs (other processes used CPU during them, machine.noisy) are in the table "
        f"but not in the verdict: {', '.join(left_out)}."
    )
    if none_left:
        text += (
            f" No quiet run of {', '.join(none_left)}: the verdict could not judge "
            f"{'it' if len(none_left) == 1 else 'them'}; run again on a quieter machine."
        )
    return [text]


def build_report(
    command: str,
    log: RunLog,
    *,
    workload: str,
    seed: int,
    engine: str,
    repeat: int,
    axis: str | None = None,
    profiles_dir: str | None = None,
) -> ComparisonReport:
    summaries = summarize(log.finished)
    quiet = {s.variant: s for s in summarize([f for f in log.finished if not is_noisy(f.profile)])}
    # Several engines over several designs: each engine's rows are compared with its own
    # mutex (one engine's numbers are not another's); one design: the engines side by side.
    designs = {s.variant.design for s in summaries}
    split_engines = len({s.variant.engine for s in summaries}) > 1 and len(designs) > 1
    # a sweep cell (thread count, GOMAXPROCS, offered load) is compared only with its own mutex
    by_group: dict[tuple[int | None, int | None, str | None, str | None], list[Summary]] = {}
    for s in summaries:
        v = s.variant
        key = (v.threads, v.gomaxprocs, v.offered, v.engine if split_engines else None)
        by_group.setdefault(key, []).append(s)
    threads_vary = len({k[0] for k in by_group}) > 1
    procs_vary = len({k[1] for k in by_group}) > 1
    loads_vary = len({k[2] for k in by_group}) > 1
    groups = [
        build_group(
            _group_title(
                t if threads_vary else None, e, p if procs_vary else None, o if loads_vary else None
            ),  # fmt: skip
            members,
            [quiet[m.variant] for m in members if m.variant in quiet],
        )
        for (t, p, o, e), members in by_group.items()
    ]
    schedule = [
        ScheduleEntry(
            slot.index + 1,
            slot.variant.label,
            slot.repetition,
            log.status(slot),
            _str(log.path(slot)),
        )
        for slot in log.plan
    ]
    notes = []
    if log.interrupted:
        done = sum(1 for e in schedule if e.status == "done")
        notes.append(
            f"Interrupted (Ctrl-C) after {done} of {len(schedule)} runs: the table "
            "shows the finished runs only."
        )
        if log.cut_short is not None:
            cut = log.cut_short.slot
            notes.append(
                f"The run cut short ({cut.variant.label}, repetition "
                f"{cut.repetition}) is left out; its profile was still saved."
            )
    if log.failure:
        done = sum(1 for e in schedule if e.status == "done")
        notes.append(
            f"Failed after {done} of {len(schedule)} runs ({log.failure}): the table shows "
            "the finished runs only."
        )
    if log.noisy_retried:
        notes.append(
            f"{len(log.noisy_retried)} repetition(s) ran again: other processes used "
            "CPU during them (machine.noisy); the table uses the repeated runs."
        )
    if log.noisy_kept:
        kept = ", ".join(f"{f.slot.variant.label} r{f.slot.repetition}" for f in log.noisy_kept)
        notes.append(
            f"Still noisy after {NOISY_RETRIES} more tries: {kept}; kept in the table, left "
            "out of the verdict (a quieter machine gives a cleaner one)."
        )
    if log.save_errors:
        notes.append(f"{len(log.save_errors)} profile(s) could not be saved: {log.save_errors[0]}")
    if "model" in engine.split(",") and repeat > 1:
        notes.append(
            "The model engine is deterministic for a seed: repetitions give the same "
            "numbers, so the ranges show no run-to-run noise."
        )
    return ComparisonReport(
        command=command,
        workload=workload,
        seed=seed,
        engine=engine,
        repeat=repeat,
        axis=axis,
        hot_ops=hot_operations(summaries),
        groups=groups,
        schedule=schedule,
        interrupted=log.interrupted,
        profiles_dir=profiles_dir,
        notes=notes,
    )


def _group_title(threads: int | None, engine: str | None, gomaxprocs: int | None = None,
                 offered: str | None = None) -> str | None:  # fmt: skip
    parts = [f"{threads:,} threads" if threads else "",
             f"GOMAXPROCS={gomaxprocs}" if gomaxprocs else "",
             f"offered {offered}" if offered else "",
             f"{engine} engine" if engine else ""]  # fmt: skip
    return " · ".join(p for p in parts if p) or None


def _str(path: object) -> str | None:
    return None if path is None else str(path)
