"""One error hierarchy for every mistake a user can make.

The CLI catches :class:`LsimError` in a single place and prints its message (exit code 2)
instead of a traceback; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from typing import Any

EXIT_INTERRUPTED = 130  # what a shell reports for a process ended by Ctrl-C


class LsimError(Exception):
    """A user-facing error: bad input, unmet limits, a missing tool."""

    exit_code = 2


class ConfigError(LsimError, ValueError):
    """A workload or option has a value that is not allowed.

    ``source`` names the file (or ``--option``), ``field`` the dotted path inside it.
    """

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        self.source = source
        self.field = field
        self.detail = message
        # a YAML key or file name may hold a newline or another control character: show it
        # escaped, so the message stays the one line the CLI promises
        where = ": ".join(_printable(part) for part in (source, field) if part)
        super().__init__(f"{where}: {message}" if where else message)


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class LimitError(LsimError):
    """A request exceeds a measured limit of this machine (threads, memory, py-spy)."""


class ProfileFormatError(LsimError):
    """A saved profile cannot be read (wrong format version, not a profile)."""


class IntegrationError(LsimError):
    """An external profiler (py-spy, yappi, go) is missing or not permitted."""


class Interrupted(LsimError):
    """Ctrl-C / SIGTERM stopped a command before it had anything worth reporting."""

    exit_code = EXIT_INTERRUPTED


class RunFailed(LsimError):
    """The experiment itself failed (a worker raised, a thread could not start).

    ``profile`` holds what was measured before the failure (``None`` when nothing was); the
    CLI reports it like a normal run's and then exits with this error.
    """

    exit_code = 1

    def __init__(self, message: str, profile: Any = None) -> None:
        super().__init__(message)
        self.profile = profile
