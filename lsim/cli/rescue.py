"""Keeping a result whose file could not be written after the run that produced it.

A run can take minutes; a full disk, a vanished directory or a file-size limit must not
throw its result away. :func:`write_or_keep` writes a file atomically and, when that fails,
saves the data somewhere else (beside the default path, then the temporary directory) or,
for text, prints it on stdout, and raises an :class:`OutputError` saying where it went.
:func:`finish_run` gives a command its exit status once the report is out: 130 when the run
was interrupted, a failure when a worker failed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from lsim.atomicio import OutputError, write_atomic

if TYPE_CHECKING:
    from lsim.compare.runner import RunLog
    from lsim.profile.model import Profile


def fallback_paths(path: Path, beside: Path | None = None) -> list[Path]:
    """Where a file named like ``path`` goes instead: ``beside``'s folder, then the tmp dir."""
    name = path.name if 0 < len(path.name.encode("utf-8", "surrogateescape")) <= 200 else "lsim-out"
    places = [beside] if beside is not None else []
    places.append(Path(tempfile.gettempdir()) / name)
    return [p for p in places if p.resolve() != path.resolve()]


def keep(
    data: str | bytes,
    what: str,
    elsewhere: Sequence[Path],
    *,
    prefer_stdout: bool = True,
) -> str:
    """Print text on stdout (``prefer_stdout``), else save ``data`` at the first of
    ``elsewhere`` that works, else print it after all. Returns where it went, as a phrase
    for the error message ("saved to X instead")."""
    if isinstance(data, str) and prefer_stdout:
        return _print(data, what)
    failures = []
    for place in elsewhere:
        try:
            if not place.parent.is_dir():
                place.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(place, data)
        except (OutputError, OSError) as error:
            failures.append(str(error))
            continue
        return f"the {what} was saved to {place} instead"
    if isinstance(data, str):
        return _print(data, what)
    tried = "; ".join(failures) or "nowhere else to put it"
    return f"the {what} could not be kept ({tried})"


def _print(data: str, what: str) -> str:
    from lsim.cli.terminal import terminal

    terminal().data(data if data else "\n")  # an empty text still shows as one line
    return f"the {what} was printed on stdout instead"


def write_or_keep(
    path: Path,
    data: str | bytes,
    *,
    what: str = "output",
    beside: Path | None = None,
    prefer_stdout: bool = True,
) -> Path:
    """``write_atomic(path, data)``; on failure keep the data elsewhere and raise, saying where."""
    try:
        return write_atomic(path, data)
    except OutputError as error:
        where = keep(data, what, fallback_paths(path, beside), prefer_stdout=prefer_stdout)
        raise OutputError(f"{error}; {where}") from None


def save_profile_or_keep(
    profile: Profile, path: Path, beside: Path | None = None
) -> tuple[Path | None, OutputError | None]:
    """Save the profile JSON at ``path``; on failure keep it elsewhere (``beside``, the tmp
    dir, at last stdout). Returns where it was saved, and the error to raise at the end
    (after the command has printed its report)."""
    from lsim.profile.model import profile_json, save_profile

    try:
        return save_profile(profile, path), None
    except OutputError as error:
        elsewhere = fallback_paths(path, beside)
        where = keep(profile_json(profile), "profile", elsewhere, prefer_stdout=False)
        saved = next((p for p in elsewhere if f"saved to {p} instead" in where), None)
        return saved, OutputError(f"{error}; {where}")


def finish_run(profile: Profile) -> None:
    """After a run's report is out: exit 130 if it was interrupted, fail if a worker failed."""
    from lsim.errors import EXIT_INTERRUPTED, RunFailed

    if any(note.startswith("interrupted") for note in profile.notes):
        raise typer.Exit(EXIT_INTERRUPTED)
    for note in profile.notes:
        if note.startswith("failed: "):
            raise RunFailed(
                f"the run failed: {note.removeprefix('failed: ')} (the report shows what was "
                "measured until then)"
            )


def finish_schedule(log: RunLog) -> None:
    """After a compare/sweep report is out: 130 if interrupted, else fail on a failed run or
    on profiles that could not be saved."""
    from lsim.errors import EXIT_INTERRUPTED, RunFailed

    if log.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if log.failure:
        raise RunFailed(log.failure)
    if log.save_errors:
        more = f" (and {len(log.save_errors) - 1} more)" if len(log.save_errors) > 1 else ""
        raise OutputError(f"profiles not saved: {log.save_errors[0]}{more}")
