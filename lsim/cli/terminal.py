"""The one output object of the CLI: every byte a command writes goes through a :class:`Terminal`.

* **Data** (reports, tables, profiles) goes to stdout: :meth:`Terminal.data` for text,
  :meth:`Terminal.data_bytes` for binary formats. Nothing else ever does, so ``lsim ... |
  tool`` reads only data.
* **Messages, warnings, errors and progress** go to stderr, one line each, unwrapped (paths
  must stay copyable).
* **Styled mode** (rich: colour, tables, the live bar) when the stream is a terminal and
  ``NO_COLOR`` is not set (https://no-color.org); plain text otherwise. Commands ask
  :meth:`Terminal.styled` and render accordingly; the Terminal writes what they hand it.

The streams are looked up on every write, not kept: test runners (pytest's capsys, typer's
CliRunner) and callers swap ``sys.stdout``/``sys.stderr`` after the Terminal exists. rich is
imported only when styled output is actually written: importing it costs ~20 ms, and
``lsim --version`` and ``lsim stores`` must start fast (tests/cli/test_startup.py).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TextIO

if TYPE_CHECKING:
    from rich.console import Console

Stream = Literal["stdout", "stderr"]

# What rich's Text drops from a line (BEL, BS, VT, FF, CR); the plain error line drops the
# same, so an error reads the same styled or not and hostile input cannot redraw the line.
_CONTROL = dict.fromkeys((7, 8, 11, 12, 13))


class Terminal:
    """Where and how one command invocation writes; see the module docstring."""

    def __init__(
        self,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._stdout, self._stderr, self._environ = stdout, stderr, environ

    @property
    def stdout(self) -> TextIO:
        return self._stdout or sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._stderr or sys.stderr

    def _stream(self, which: Stream) -> TextIO:
        return self.stdout if which == "stdout" else self.stderr

    # -- what the streams are ---------------------------------------------------------------

    def is_terminal(self, which: Stream = "stdout") -> bool:
        """The stream is a terminal (whatever ``NO_COLOR`` says): binary data is refused
        there, and progress is a live bar rather than a line every ~10 s."""
        isatty = getattr(self._stream(which), "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:  # a closed stream
            return False

    def is_pipe(self) -> bool:
        """stdout is a pipe (``| go tool pprof``), not a file, a terminal or a capture."""
        import stat

        try:
            return stat.S_ISFIFO(os.fstat(self.stdout.fileno()).st_mode)
        except (OSError, ValueError, AttributeError):  # no real file descriptor (captured)
            return False

    @property
    def no_color(self) -> bool:
        """``NO_COLOR`` is set to anything but the empty string (https://no-color.org)."""
        environ = os.environ if self._environ is None else self._environ
        return bool(environ.get("NO_COLOR"))

    def styled(self, which: Stream = "stdout") -> bool:
        """Write rich output (colour, tables) to this stream, rather than plain text."""
        return self.is_terminal(which) and not self.no_color

    # -- stdout: data -----------------------------------------------------------------------

    def data(self, text: str) -> None:
        """Text data on stdout, ending in one newline (none added to empty data)."""
        out = self.stdout
        out.write(text if not text or text.endswith("\n") else text + "\n")
        out.flush()

    def data_bytes(self, data: bytes) -> None:
        """Binary data on stdout's byte stream, after any text already written."""
        out = self.stdout
        out.flush()
        out.buffer.write(data)
        out.buffer.flush()

    # -- stderr: messages -------------------------------------------------------------------

    def _line(self, text: str) -> None:
        err = self.stderr
        err.write(text + "\n")
        err.flush()

    def message(self, text: str) -> None:
        """A diagnostic line on stderr, as it is: never wrapped or marked up."""
        self._line(text)

    def progress(self, text: str) -> None:
        """A plain progress line on stderr (the live bar is :meth:`console`'s)."""
        self._line(text)

    def warning(self, text: str) -> None:
        """``warning: text`` on stderr, the prefix yellow when styled."""
        self._prefixed("warning:", "bold yellow", text)

    def error(self, text: str) -> None:
        """``error: text`` on stderr, the prefix red when styled."""
        self._prefixed("error:", "bold red", text)

    def _prefixed(self, prefix: str, style: str, text: str) -> None:
        if not self.styled("stderr"):
            self._line(f"{prefix} {text}".translate(_CONTROL).expandtabs())
            return
        from rich.text import Text

        line = Text.assemble((prefix, style), " ", text)  # text is never read as markup
        self.console("stderr").print(line, highlight=False, soft_wrap=True)

    # -- rich -------------------------------------------------------------------------------

    def console(self, which: Stream = "stdout") -> Console:
        """A rich console on the stream as it is now, for renderables and the live bar; it
        honours ``NO_COLOR`` (a bar on a terminal is still a bar, without colour)."""
        from rich.console import Console

        return Console(file=self._stream(which), no_color=self.no_color or None)

    def rich(self, renderable: Any, which: Stream = "stdout") -> None:
        """A rich renderable (a table, a styled report), for streams that are :meth:`styled`."""
        self.console(which).print(renderable)


_TERMINAL = Terminal()


def terminal() -> Terminal:
    """The process's Terminal: the real streams, looked up on every write."""
    return _TERMINAL
