"""Read a profile JSON or a goroutine dump, whichever the file is (``profile show``/``diff``).

The format is told from the content, not the name: a file whose first non-blank byte is
``{`` is an lsim profile; anything else (plain or gzip) is read as a goroutine dump.
"""

from __future__ import annotations

from pathlib import Path

from lsim.analyze.source import GZIP_MAGIC, DumpFormatError
from lsim.profile.model import Profile, load_profile

SNIFF = 4096


def is_profile_json(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF)
    except OSError as error:
        raise DumpFormatError(f"{path}: cannot read ({error.strerror or error})") from None
    if head[:2] == GZIP_MAGIC:
        return False
    return head.lstrip()[:1] == b"{"


def load_profile_or_dump(path: Path) -> Profile:
    """An lsim profile, or the profile ``lsim analyze`` makes of a dump (default regexes)."""
    if is_profile_json(path):
        return load_profile(path)
    from lsim.analyze.census import analyze_files
    from lsim.analyze.profile import analysis_profile

    return analysis_profile(analyze_files([path]), command=f"lsim analyze {path}")
