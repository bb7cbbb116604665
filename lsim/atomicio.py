"""Writing result files so that nothing is lost and nothing is left half-written.

Every file lsim writes goes through :func:`write_atomic`: the bytes go to a temporary file
in the destination's own directory, are flushed to disk, and replace the destination with
one ``rename``; a failure at any point leaves the old file as it was. :func:`check_writable`
runs before an experiment starts, so a run whose output cannot be saved never starts.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from lsim.errors import LsimError

# A name longer than this cannot be created on Linux file systems (NAME_MAX).
NAME_MAX = 255


class OutputError(LsimError):
    """A result file cannot be written (missing directory, read-only, disk full, ...)."""


def check_writable(path: Path, source: str) -> None:
    """Refuse ``path`` (given by option/field ``source``) now if it cannot be written later."""
    if str(path) == "-":
        return
    if len(path.name.encode("utf-8", "surrogateescape")) > NAME_MAX:
        raise OutputError(f"{source}: file name longer than {NAME_MAX} bytes: {path.name[:40]}...")
    if path.is_dir():
        raise OutputError(f"{source}: {path} is a directory; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{source}: directory {parent} does not exist")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{source}: {path} is not writable")
    if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{source}: directory {parent} is not writable")


def check_directory(path: Path, source: str) -> None:
    """Refuse now a folder that could not be created (or written) later: a part of it is a
    file, a name is too long, or the nearest existing folder is not writable."""
    for part in path.parts:
        if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX:
            raise OutputError(f"{source}: folder name longer than {NAME_MAX} bytes: {part[:40]}...")
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputError(f"{source}: {probe} is a file, not a folder")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"{source}: folder {probe} is not writable")


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` all at once (temporary file, fsync, rename)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    parent = path.parent if str(path.parent) else Path(".")
    # Special files (/dev/null, /dev/stdout, a FIFO) cannot be renamed over: write in place.
    if path.exists() and not path.is_file():
        try:
            with path.open("wb") as out:
                out.write(payload)
        except OSError as error:
            raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
        return path
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=parent)
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
        tmp = None
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path
