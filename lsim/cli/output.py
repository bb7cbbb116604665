"""Where a command's data goes, and in which format: one rule for every command that writes.

* The format is ``-f`` if given, else the one ``-o``'s suffix names (``.json``, ``.pb.gz``,
  ``.svg``, ...; the longest suffix wins, so ``x.speedscope.json`` is speedscope), else the
  command's default. A suffix that names a format of another command is refused with the
  command's own formats, rather than silently writing text into ``r.csv``.
* ``-o -`` and no ``-o`` mean stdout. Binary formats (pprof) go to stdout only when it is not
  a terminal (a pipe or a redirect), so ``... -f pprof | go tool pprof -top /dev/stdin``
  works.
* Files are written whole or not at all (:mod:`lsim.atomicio`), and destinations are
  checked before a run starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsim.cli.terminal import terminal
from lsim.errors import ConfigError

if TYPE_CHECKING:
    from lsim.profile.model import Profile

# Every suffix some command understands, and the kind of data it names (for the message
# when a command gets a suffix that is not one of its formats).
KNOWN_SUFFIXES: dict[str, str] = {
    ".json": "json",
    ".speedscope.json": "speedscope",
    ".pb.gz": "pprof",
    ".pprof": "pprof",
    ".svg": "svg",
    ".folded": "folded",
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".csv": "csv",
    ".dump": "goroutines",
    ".goroutines": "goroutines",
    ".yaml": "yaml",
    ".yml": "yaml",
}


def is_stdout(output: Path | None) -> bool:
    return output is None or str(output) == "-"


def _suffix_of(output: Path, suffixes: Mapping[str, str]) -> str | None:
    name = output.name.lower()
    for suffix in sorted(suffixes, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return None


@dataclass(frozen=True)
class Formats:
    """The formats of one command: names (``-f``), default, and ``-o`` suffixes."""

    command: str  # "lsim run", for messages
    names: tuple[str, ...]
    default: str
    suffixes: Mapping[str, str] = field(default_factory=dict)  # suffix -> format name

    def check(self, fmt: str) -> str:
        if fmt not in self.names:
            raise ConfigError(
                f"unknown format {fmt!r}; allowed: {', '.join(self.names)}", source="--format"
            )
        return fmt

    def resolve(self, fmt: str | None, output: Path | None) -> str:
        """``-f``, else ``-o``'s suffix, else the default."""
        if fmt is not None:
            return self.check(fmt)
        if is_stdout(output):
            return self.default
        assert output is not None
        own = _suffix_of(output, self.suffixes)
        if own is not None:
            return self.suffixes[own]
        other = _suffix_of(output, KNOWN_SUFFIXES)
        if other is not None:
            raise ConfigError(
                f"{other} ({KNOWN_SUFFIXES[other]}) is not a format of {self.command}; "
                f"allowed: {', '.join(self.names)} (give -f to choose one)",
                source=f"--output {output}",
            )
        return self.default

    @property
    def metavar(self) -> str:
        return "|".join(self.names)


def check_destination(output: Path | None, *, binary: bool = False) -> None:
    """Before any work: ``-o`` must be writable; binary data must not go to a terminal."""
    if is_stdout(output):
        if binary and terminal().is_terminal("stdout"):
            raise ConfigError(
                "this format is binary and stdout is a terminal: give -o FILE, or pipe it "
                "(e.g. | go tool pprof -top /dev/stdin)",
                source="--format",
            )
        return
    from lsim.atomicio import check_writable

    assert output is not None
    check_writable(output, "--output")


def note(text: str) -> None:
    """A diagnostic line on stderr, never wrapped or marked up (paths must stay copyable)."""
    terminal().message(text)


GZIP_MAGIC = b"\x1f\x8b"


def pipe_prelude() -> bytes:
    """An empty gzip member that reads as one from its first byte *and* from its ninth.

    ``go tool pprof FILE`` opens FILE twice: once to look for a ``perf.data`` header (it reads
    8 bytes), then to parse it. On a pipe (``| go tool pprof -top /dev/stdin``) the first
    read eats 8 bytes, and the profile no longer starts with the gzip magic. With this
    prelude in front, what is left after those 8 bytes is again a valid (empty) gzip member
    followed by the profile, and a reader that loses nothing sees an empty member too; gzip
    readers (Go's, Python's, gunzip) read concatenated members as one stream.

    Layout (1,054 bytes): the member seen from byte 0 has FLG=FEXTRA, XFL/OS = 1f 8b and
    XLEN = 0x0408; seen from byte 8 that is the magic, CM=8, FLG=FEXTRA, and its own XLEN
    (bytes 18-19) = 0x0400, so both extra fields end at byte 1044, where the shared empty
    deflate block (03 00) and the shared trailer (CRC32 0, size 0) follow.
    """
    from_0 = bytes([0x1F, 0x8B, 8, 4, 0, 0, 0, 0, 0x1F, 0x8B, 8, 4])  # ... XLEN 0x0408
    from_8 = bytes([0, 0, 0, 0, 0, 0xFF, 0x00, 0x04])  # MTIME, XFL, OS=unknown, XLEN 0x0400
    return from_0 + from_8 + bytes(1024) + bytes([3, 0]) + bytes(8)


def write_data(data: str | bytes, output: Path | None, *, what: str = "") -> None:
    """``data`` to stdout (``None`` or ``-``) or, whole, to the file ``output``."""
    if is_stdout(output):
        if isinstance(data, bytes):
            check_destination(None, binary=True)
            if data.startswith(GZIP_MAGIC) and terminal().is_pipe():
                data = pipe_prelude() + data  # so `| go tool pprof -top /dev/stdin` works
            terminal().data_bytes(data)
        else:
            terminal().data(data)
        return
    from lsim.cli.rescue import write_or_keep

    assert output is not None
    # a write error after a run keeps the data (stdout or another file) and says where
    write_or_keep(output, data, what=what or "output")
    note(f"wrote {output}" + (f" ({what})" if what else ""))


def emit_text_report(profile: Profile, output: Path | None) -> None:
    """The run report: rich on a terminal, plain text when piped, written to a file or when
    ``NO_COLOR`` is set."""
    from lsim.render import get_renderer

    if is_stdout(output) and terminal().styled("stdout"):
        from lsim.render.summary import summary_rich

        terminal().rich(summary_rich(profile))
        return
    write_data(str(get_renderer("summary").render(profile)), output, what="text")
