"""Checking a profile read from disk field by field, so any damage is one clear line.

A saved profile is plain JSON; a truncated, hand-edited or foreign file must not reach a
renderer, where a string in place of a number turns into a traceback three calls later.
:func:`build` walks the dataclass field types (``int``, ``float``, ``str``, ``bool``,
``list[...]``, ``dict[str, ...]``, nested records) and raises :class:`ProfileFormatError`
naming the field: ``profile p.json: field threads: must be an integer (got 'lots')``.
Counts and times must be >= 0 and finite; a list inside a record is bounded by what the
record says (a census cell cannot hold more thread-samples than were taken).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import types
import typing
from typing import Any, TypeVar

from lsim.errors import ProfileFormatError

T = TypeVar("T")
MAX_INT = 2**63 - 1  # every count and time fits Go's int64 (pprof writes them as such)
# Fields that may be negative: -1 marks "no shard".
SIGNED = frozenset({"shard"})
MAX_DURATION_S = 1e7  # a measured window of ~115 days: beyond any run
MAX_BUCKETS = 64  # log2 histogram buckets (lsim writes 32-40)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> ProfileFormatError:
        return ProfileFormatError(f"{self.source}: field {path}: {message}")

    def value(self, hint: Any, value: Any, path: str) -> Any:
        origin = typing.get_origin(hint)
        if hint is Any:
            return value
        if origin is types.UnionType or origin is typing.Union:
            options = [h for h in typing.get_args(hint) if h is not type(None)]
            if value is None and len(options) < len(typing.get_args(hint)):
                return None
            return self.value(options[0], value, path)
        if hint is bool:
            if not isinstance(value, bool):
                raise self.fail(path, f"must be true or false (got {_describe(value)})")
            return value
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.fail(path, f"must be an integer (got {_describe(value)})")
            lo = -1 if path.rsplit(".", 1)[-1] in SIGNED else 0
            if not lo <= value <= MAX_INT:
                raise self.fail(path, f"must be {lo}..{MAX_INT} (got {_describe(value)})")
            return value
        if hint is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(path, f"must be a number (got {_describe(value)})")
            number = float(value)  # ints beyond float range were refused as too large above
            if not math.isfinite(number) or number < 0:
                raise self.fail(path, f"must be a finite number >= 0 (got {_describe(value)})")
            return number
        if hint is str:
            if not isinstance(value, str):
                raise self.fail(path, f"must be a string (got {_describe(value)})")
            return value
        if origin is list:
            if not isinstance(value, list):
                raise self.fail(path, f"must be a list (got {_describe(value)})")
            (item,) = typing.get_args(hint)
            return [self.value(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
        if origin is dict:
            if not isinstance(value, dict):
                raise self.fail(path, f"must be a mapping (got {_describe(value)})")
            _, item = typing.get_args(hint)
            return {k: self.value(item, v, f"{path}.{k}") for k, v in value.items()}
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            return self.record(hint, value, path)
        raise TypeError(f"profile field {path}: unsupported type {hint!r}")  # a bug, not input

    def record(self, cls: type[T], value: Any, path: str = "") -> T:
        if not isinstance(value, dict):
            raise self.fail(path or "(top level)", f"must be a mapping (got {_describe(value)})")
        hints = typing.get_type_hints(cls)
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            where = f"{path}.{f.name}" if path else f.name
            if f.name not in value:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise self.fail(where, "missing")
                continue
            kwargs[f.name] = self.value(hints[f.name], value[f.name], where)
        return cls(**kwargs)


def build(cls: type[T], data: Any, source: str) -> T:
    """``cls(**data)`` with every field of every nested record checked (see module doc)."""
    return _Checker(source).record(cls, data)


def check_consistent(profile: Any, source: str) -> Any:
    """Relations between fields that renderers rely on; returns ``profile``."""
    c = _Checker(source)
    if profile.duration_s > MAX_DURATION_S:
        raise c.fail("duration_s", f"must be <= {MAX_DURATION_S:g} s (got {profile.duration_s:g})")
    if profile.created:
        try:
            created = dt.datetime.fromisoformat(profile.created)
        except ValueError:
            raise c.fail("created", "must be an ISO 8601 time or empty") from None
        if not 1970 <= created.year <= 2200:
            raise c.fail("created", f"year {created.year} is out of range")
    for i, cell in enumerate(profile.census):
        if cell.thread_samples > profile.census_samples * max(profile.threads, 1):
            raise c.fail(
                f"census[{i}].thread_samples",
                f"{cell.thread_samples:,} is more than threads x census_samples",
            )
    for i, op in enumerate(profile.operations):
        if len(op.latency_histogram) > MAX_BUCKETS:
            raise c.fail(f"operations[{i}].latency_histogram", f"more than {MAX_BUCKETS} buckets")
    for i, lock in enumerate(profile.locks):
        if len(lock.wait_histogram) > MAX_BUCKETS:
            raise c.fail(f"locks[{i}].wait_histogram", f"more than {MAX_BUCKETS} buckets")
        for table in ("wait_by_operation", "delay_by_unlocker"):
            for op, pair in getattr(lock, table).items():
                if len(pair) != 2:
                    raise c.fail(f"locks[{i}].{table}.{op}", "must be [count, nanoseconds]")
    for op, frames in profile.stacks.items():
        for j, frame in enumerate(frames):
            line = frame[1].rpartition(":")[2] if len(frame) == 2 else "?"
            if not (line == "" or (line.isdigit() and len(line) <= 9 and line.isascii())):
                raise c.fail(f"stacks.{op}[{j}]", "must be [function, file:line]")
    return profile
