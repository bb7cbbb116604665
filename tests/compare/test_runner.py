from __future__ import annotations

from pathlib import Path

from lsim.compare.runner import run_plan
from lsim.compare.schedule import Slot, Variant, interleave
from lsim.profile.model import Profile, load_profile
from tests.compare.helpers import profile_with

PLAN = interleave([Variant("mutex"), Variant("sharded", 4)], 2)


class FakeEngine:
    """Records the order of runs and fails if a run starts while another is running."""

    def __init__(self, interrupt_at: int | None = None, cut_at: int | None = None) -> None:
        self.running = False
        self.calls: list[Slot] = []
        self.interrupt_at, self.cut_at = interrupt_at, cut_at

    def __call__(self, slot: Slot) -> Profile:
        assert not self.running, "two measurements at once"
        self.running = True
        try:
            self.calls.append(slot)
            if slot.index == self.interrupt_at:
                raise KeyboardInterrupt
            profile = profile_with(slot.variant.store, 100.0 + slot.index)
            if slot.index == self.cut_at:
                profile.notes.append("interrupted: the measured window was cut short (Ctrl-C)")
            return profile
        finally:
            self.running = False


def test_runs_follow_the_schedule_one_at_a_time(tmp_path: Path) -> None:
    engine = FakeEngine()
    events: list[str] = []
    log = run_plan(
        PLAN,
        engine,
        save_dir=tmp_path,
        on_start=lambda s: events.append(f"start {s.index}"),
        on_done=lambda s: events.append(f"done {s.index}"),
    )
    assert engine.calls == PLAN
    assert events == [f"{what} {i}" for i in range(4) for what in ("start", "done")]
    assert not log.interrupted and len(log.finished) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mutex-r1.json",
        "mutex-r2.json",
        "sharded-4-r1.json",
        "sharded-4-r2.json",
    ]
    assert load_profile(tmp_path / "sharded-4-r2.json").ops_per_s == 103.0
    assert log.path(PLAN[1]) == tmp_path / "sharded-4-r1.json"


def test_ctrl_c_stops_scheduling() -> None:
    engine = FakeEngine(interrupt_at=2)
    log = run_plan(PLAN, engine)
    assert [s.index for s in engine.calls] == [0, 1, 2]
    assert log.interrupted and [f.slot.index for f in log.finished] == [0, 1]
    assert [log.status(s) for s in PLAN] == ["done", "done", "not run", "not run"]


def test_interrupted_profile_is_saved_but_left_out(tmp_path: Path) -> None:
    engine = FakeEngine(cut_at=1)
    log = run_plan(PLAN, engine, save_dir=tmp_path)
    assert [s.index for s in engine.calls] == [0, 1]
    assert log.interrupted and len(log.finished) == 1
    assert log.cut_short is not None and log.cut_short.slot == PLAN[1]
    assert log.status(PLAN[1]) == "interrupted"
    assert (tmp_path / "sharded-4-r1.json").exists()


def test_a_failed_run_stops_the_schedule_and_keeps_what_it_measured(tmp_path: Path) -> None:
    from lsim.errors import RunFailed

    def engine(slot: Slot) -> Profile:
        if slot.index == 1:
            raise RunFailed("the run failed: worker 2: ValueError: x", profile_with("sharded", 5.0))
        return profile_with(slot.variant.store, 100.0)

    log = run_plan(PLAN, engine, save_dir=tmp_path)
    assert not log.interrupted and [f.slot.index for f in log.finished] == [0]
    assert log.failure == "sharded-4 repetition 1: the run failed: worker 2: ValueError: x"
    assert log.status(PLAN[1]) == "failed"
    assert (tmp_path / "sharded-4-r1.json").exists()


def test_a_profile_that_cannot_be_saved_does_not_stop_the_schedule(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    log = run_plan(PLAN, FakeEngine(), save_dir=blocker / "sub")
    assert len(log.finished) == 4 and all(f.path is None for f in log.finished)
    assert len(log.save_errors) == 4 and "cannot create" in log.save_errors[0]


class NoisyEngine(FakeEngine):
    """Every run of ``noisy_slots`` is noisy its first ``times`` tries."""

    def __init__(self, noisy: dict[int, int]) -> None:
        super().__init__()
        self.noisy = dict(noisy)

    def __call__(self, slot: Slot) -> Profile:
        profile = super().__call__(slot)
        left = self.noisy.get(slot.index, 0)
        if left:
            self.noisy[slot.index] = left - 1
        profile.machine["foreign_cores"] = 0.9 if left else 0.0
        profile.machine["noisy"] = bool(left)
        return profile


def test_a_noisy_repetition_runs_again() -> None:
    from lsim.compare.runner import NOISY_RETRIES

    engine = NoisyEngine({1: 1, 2: 99})
    log = run_plan(PLAN, engine)
    # slot 1: noisy once, then clean; slot 2: noisy every time, bounded retries
    assert [s.index for s in engine.calls] == [0, 1, 1] + [2] * (1 + NOISY_RETRIES) + [3]
    assert len(log.finished) == 4
    assert not any(f.profile.machine["noisy"] for f in log.finished if f.slot.index != 2)
    assert [f.slot.index for f in log.noisy_retried] == [1, 2, 2]
    assert [f.slot.index for f in log.noisy_kept] == [2]


def test_report_names_noisy_runs() -> None:
    from lsim.compare.report import build_report

    log = run_plan(PLAN, NoisyEngine({1: 1, 2: 99}))
    report = build_report("lsim compare", log, workload="w", seed=1, engine="threads", repeat=2)
    text = " ".join(report.notes)
    assert "3 repetition(s) ran again" in text
    assert "Still noisy" in text and "mutex r2" in text


def test_noisy_runs_stay_in_the_table_but_never_in_the_verdict() -> None:
    from lsim.compare.report import build_report
    from lsim.compare.runner import NOISY_RETRIES
    from lsim.compare.schedule import interleave

    plan = interleave([Variant("mutex"), Variant("sharded", 4)], 4)
    # every sharded repetition (odd slots) stays noisy through all its retries
    noisy = {s.index: 1 + NOISY_RETRIES for s in plan if s.variant.store == "sharded"}
    log = run_plan(plan, NoisyEngine(noisy))
    report = build_report("lsim compare", log, workload="w", seed=1, engine="threads", repeat=4)
    (group,) = report.groups
    assert [row.summary.runs for row in group.rows] == [4, 4]  # the table keeps them
    assert group.verdict.kind == "noisy" and group.verdict.best is None
    assert group.verdict.text.startswith("No verdict: other processes were busy")
    assert "mutex alone had quiet ones" in group.verdict.text
    text = " ".join(group.notes)
    assert "not in the verdict: sharded-4 4 of 4" in text
    assert "No quiet run of sharded-4" in text
    assert "left out of the verdict" in " ".join(report.notes)


def test_a_partly_noisy_design_is_judged_on_its_quiet_runs() -> None:
    from lsim.compare.report import build_report
    from lsim.compare.runner import NOISY_RETRIES
    from lsim.compare.schedule import interleave

    plan = interleave([Variant("mutex"), Variant("sharded", 4)], 5)
    first_sharded = next(s.index for s in plan if s.variant.store == "sharded")
    log = run_plan(plan, NoisyEngine({first_sharded: 1 + NOISY_RETRIES}))
    report = build_report("lsim compare", log, workload="w", seed=1, engine="threads", repeat=5)
    (group,) = report.groups
    assert group.verdict.p is not None  # 5 quiet mutex runs against 4 quiet sharded runs
    assert "n=4+5" in group.verdict.text or "n=5+4" in group.verdict.text
    assert "sharded-4 1 of 5" in " ".join(group.notes)
