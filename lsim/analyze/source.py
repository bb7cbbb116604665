"""Opening a dump: plain or gzip-compressed, any size, read as a stream of lines.

Nothing here holds the file in memory: lines come one at a time from a buffered reader (a
gzip stream is decompressed as it is read). Bytes that are not UTF-8 are replaced, not
fatal: a dump's text is ASCII apart from file paths and pprof labels.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from lsim.errors import LsimError

GZIP_MAGIC = b"\x1f\x8b"
BUFFER = 1 << 20


class DumpFormatError(LsimError):
    """A file that is not a goroutine dump, or one that cannot be read (exit 2)."""


def shown(line: str, limit: int = 60) -> str:
    """A line as an error message quotes it: repr, cut to ``limit`` characters."""
    text = line.rstrip("\n")
    return repr(text) if len(text) <= limit else repr(text[: limit - 3]) + "..."


class Lines:
    """The lines of one file (iterate once); ``cut`` is set when a gzip stream ended early."""

    def __init__(self, text: io.TextIOWrapper, path: Path, compressed: bool) -> None:
        self.text, self.path, self.compressed = text, path, compressed
        self.cut = False

    def __iter__(self) -> Iterator[str]:
        try:
            for line in self.text:
                yield line.rstrip("\n")
        except EOFError:
            self.cut = True  # a cut gzip stream: what was read so far is a truncated dump
        except (OSError, zlib.error) as error:
            raise DumpFormatError(f"{self.path}: damaged gzip data ({error})") from None


@contextmanager
def open_lines(path: Path) -> Iterator[Lines]:
    """Lines of ``path`` without their newline; gzip is recognised by its magic bytes."""
    try:
        raw: IO[bytes] = open(path, "rb", buffering=BUFFER)  # noqa: SIM115 (closed below)
    except OSError as error:
        raise DumpFormatError(f"{path}: cannot read ({error.strerror or error})") from None
    try:
        stream: IO[bytes] | gzip.GzipFile = raw
        compressed = raw.peek(2)[:2] == GZIP_MAGIC  # type: ignore[attr-defined]
        if compressed:
            stream = gzip.GzipFile(fileobj=raw, mode="rb")
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline=None)
        yield Lines(text, path, compressed)
    finally:
        raw.close()
