"""Value checks shared by the model classes; each raises :class:`ConfigError` naming ``field``.

Types are checked here too (not only in the YAML loader) so that a model built in code with a
wrong value fails the same way as a file would. ``bool`` is refused where a number is wanted:
YAML reads ``yes`` as ``True``, and ``True`` would otherwise pass as the integer 1.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterable
from typing import Any

from lsim.errors import ConfigError

MAX_INT_BITS = 64  # no field is wider; larger numbers are reported by their size, not printed
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 4
_REPR.maxlevel = 2


def _fmt(value: Any) -> str:
    """A short, bounded description of ``value`` for a message (never the whole of it)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"an integer of about {digits:,} digits"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return describe(value)
    return f"{value:,}" if isinstance(value, int) and abs(value) >= 10_000 else f"{value:g}"


def describe(value: Any) -> str:
    """``repr`` cut short: messages quote user input, which may be huge or deeply nested."""
    try:
        return _REPR.repr(value)
    except (RecursionError, ValueError):
        return f"a {type(value).__name__}"


def _text_number_hint(value: Any) -> str:
    """YAML 1.1 reads ``1e9`` (no dot, no exponent sign) as text, not as a number."""
    if isinstance(value, str) and len(value) < 40:
        try:
            number = float(value)
        except ValueError:
            return ""
        if not math.isfinite(number):
            return ""
        mantissa, exponent = f"{number:e}".split("e")
        mantissa = mantissa.rstrip("0")
        written = f"{mantissa}0" if mantissa.endswith(".") else mantissa
        return f": YAML reads it as text; write {written}e{exponent}"
    return ""


def integer(field: str, value: Any, *, lo: int | None = None, hi: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        hint = _text_number_hint(value)
        raise ConfigError(f"must be an integer (got {_fmt(value)}{hint})", field=field)
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
        hint = _text_number_hint(value)
        raise ConfigError(f"must be a number (got {_fmt(value)}{hint})", field=field)
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise ConfigError(f"is out of range (got {_fmt(value)})", field=field)
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
