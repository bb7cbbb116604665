"""Value checks shared by the model classes; each raises :class:`ConfigError` naming ``field``.

Types are checked here too (not only in the YAML loader) so that a model built in code with a
wrong value fails the same way as a file would. ``bool`` is refused where a number is wanted:
YAML reads ``yes`` as ``True``, and ``True`` would otherwise pass as the integer 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from lsim.errors import ConfigError


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return repr(value)
    return f"{value:,}" if isinstance(value, int) and abs(value) >= 10_000 else f"{value:g}"


def integer(field: str, value: Any, *, lo: int | None = None, hi: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"must be an integer (got {_fmt(value)})", field=field)
    _bounds(field, value, lo, hi, lo_open=False)


def number(
    field: str,
    value: Any,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"must be a number (got {_fmt(value)})", field=field)
    if not math.isfinite(value):
        raise ConfigError(f"must be a finite number (got {value})", field=field)
    _bounds(field, value, lo, hi, lo_open=lo_open)


def _bounds(field: str, value: float, lo: float | None, hi: float | None, *, lo_open: bool) -> None:
    if lo is not None and (value <= lo if lo_open else value < lo):
        op = ">" if lo_open else ">="
        raise ConfigError(f"must be {op} {_fmt(lo)} (got {_fmt(value)})", field=field)
    if hi is not None and value > hi:
        raise ConfigError(f"must be <= {_fmt(hi)} (got {_fmt(value)})", field=field)


def boolean(field: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ConfigError(f"must be true or false (got {_fmt(value)})", field=field)


def choice(field: str, value: Any, allowed: Iterable[str], *, what: str = "value") -> None:
    options = tuple(allowed)
    if not isinstance(value, str) or value not in options:
        raise ConfigError(
            f"unknown {what} {_fmt(value)}; allowed: {', '.join(options)}", field=field
        )
