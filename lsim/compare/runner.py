"""Run a schedule strictly one run at a time, save every profile, stop cleanly on Ctrl-C.

Two measurements never overlap: they would compete for the same cores and the same GIL-free
time, and each would measure the other. The loop below is the only place runs start, and it
starts the next one only after the previous ``run_one`` has returned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsim.compare.schedule import Slot
from lsim.profile.model import Profile, save_profile

RunOne = Callable[[Slot], Profile]
OnEvent = Callable[[Slot], None]


@dataclass(frozen=True)
class Finished:
    """A completed run and where its profile was saved (``None``: not saved)."""

    slot: Slot
    profile: Profile
    path: Path | None = None


@dataclass
class RunLog:
    """What happened to a schedule: the runs that finished, and whether Ctrl-C cut it short."""

    plan: list[Slot]
    finished: list[Finished] = field(default_factory=list)
    interrupted: bool = False
    # The run Ctrl-C cut short: saved for inspection, left out of the table because its
    # measured window is shorter than the others'.
    cut_short: Finished | None = None

    def status(self, slot: Slot) -> str:
        if any(f.slot == slot for f in self.finished):
            return "done"
        if self.cut_short is not None and self.cut_short.slot == slot:
            return "interrupted"
        return "not run"

    def path(self, slot: Slot) -> Path | None:
        for done in (*self.finished, self.cut_short):
            if done is not None and done.slot == slot:
                return done.path
        return None


def was_interrupted(profile: Profile) -> bool:
    """The threads engine turns Ctrl-C into a shortened run with an "interrupted" note."""
    return any("interrupted" in note for note in profile.notes)


def profile_path(folder: Path, slot: Slot) -> Path:
    return folder / f"{slot.variant.file_stem}-r{slot.repetition}.json"


def run_plan(
    plan: Sequence[Slot],
    run_one: RunOne,
    save_dir: Path | None = None,
    on_start: OnEvent | None = None,
    on_done: OnEvent | None = None,
) -> RunLog:
    """Run ``plan`` in order; stop scheduling at the first sign of Ctrl-C."""
    log = RunLog(list(plan))
    for slot in plan:
        try:
            if on_start is not None:
                on_start(slot)
            profile = run_one(slot)
            path = save_profile(profile, profile_path(save_dir, slot)) if save_dir else None
        except KeyboardInterrupt:
            log.interrupted = True
            break
        done = Finished(slot, profile, path)
        if was_interrupted(profile):
            log.interrupted, log.cut_short = True, done
            break
        log.finished.append(done)
        if on_done is not None:
            on_done(slot)
    return log
