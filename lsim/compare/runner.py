"""Run a schedule strictly one run at a time, save every profile, stop cleanly on Ctrl-C.

A run that fails (a worker raised) stops the schedule like Ctrl-C does: what it measured is
kept as ``cut_short`` and ``failure`` says why. A profile that cannot be saved (disk full)
does not stop it: the run still counts, and ``save_errors`` lists what was not saved.

Two measurements never overlap: they would compete for the same cores and the same GIL-free
time, and each would measure the other. The loop below is the only place runs start, and it
starts the next one only after the previous ``run_one`` has returned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsim.atomicio import OutputError
from lsim.compare.schedule import Slot
from lsim.errors import RunFailed
from lsim.profile.model import Profile, save_profile

RunOne = Callable[[Slot], Profile]
NOISY_RETRIES = 2  # a repetition measured while other processes were busy is run again
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
    failure: str | None = None  # the first run that failed: why (the schedule stopped there)
    save_errors: list[str] = field(default_factory=list)  # profiles that could not be saved
    # Repetitions run again because other processes were busy (machine.noisy), and those
    # that were still noisy after NOISY_RETRIES more tries (kept, and named in the notes).
    noisy_retried: list[Finished] = field(default_factory=list)
    noisy_kept: list[Finished] = field(default_factory=list)

    def status(self, slot: Slot) -> str:
        if any(f.slot == slot for f in self.finished):
            return "done"
        if self.cut_short is not None and self.cut_short.slot == slot:
            return "failed" if self.failure else "interrupted"
        return "not run"

    def path(self, slot: Slot) -> Path | None:
        for done in (*self.finished, self.cut_short):
            if done is not None and done.slot == slot:
                return done.path
        return None


def was_interrupted(profile: Profile) -> bool:
    """The threads engine turns Ctrl-C into a shortened run with an "interrupted" note."""
    return any("interrupted" in note for note in profile.notes)


def is_noisy(profile: Profile) -> bool:
    """Any engine that measures other processes' CPU sets ``machine.noisy``."""
    return bool(profile.machine.get("noisy", False))


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
            for _ in range(NOISY_RETRIES):
                if not is_noisy(profile) or was_interrupted(profile):
                    break
                log.noisy_retried.append(Finished(slot, profile, None))
                profile = run_one(slot)
        except KeyboardInterrupt:
            log.interrupted = True
            break
        except RunFailed as error:
            log.failure = f"{slot.variant.label} repetition {slot.repetition}: {error}"
            if error.profile is not None:
                log.cut_short = Finished(
                    slot, error.profile, _save(log, error.profile, save_dir, slot)
                )
            break
        done = Finished(slot, profile, _save(log, profile, save_dir, slot))
        if was_interrupted(profile):
            log.interrupted, log.cut_short = True, done
            break
        log.finished.append(done)
        if is_noisy(profile):
            log.noisy_kept.append(done)
        if on_done is not None:
            on_done(slot)
    return log


def _save(log: RunLog, profile: Profile, save_dir: Path | None, slot: Slot) -> Path | None:
    if save_dir is None:
        return None
    try:
        return save_profile(profile, profile_path(save_dir, slot))
    except OutputError as error:
        log.save_errors.append(str(error))
        return None
