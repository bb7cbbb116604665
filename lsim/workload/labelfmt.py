"""Label value formats: ``"api-server-{i}"`` -> ``"api-server-42"`` for series index 42.

A format is literal text with placeholders built from the series index ``i`` only, applied in
this order: ``{i}``, ``{i//N}`` (integer division), ``{i%N}`` (modulo), ``{i%N+B}`` (then add),
and ``:a|b|c`` to pick one of the choices by the resulting number (modulo their count), e.g.
``{i%4:GET|POST|PUT|DELETE}``. ``{{`` and ``}}`` are literal braces. Parsing is a regular
expression over a fixed grammar: nothing is evaluated, so a workload file cannot run code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

PLACEHOLDER_HELP = "{i}, {i//N}, {i%N}, {i%N+B}, {i+B}, {i%N:a|b|c} ({{ and }} are literal braces)"

MAX_NUMBER_DIGITS = 18  # N and B below 10**18: values stay 64-bit, as Go's would
NUMBER_BYTES = 40  # the longest a rendered number can be (sign, 39 digits: beyond any index)
_PLACEHOLDER = re.compile(r"i(?://(\d+))?(?:%(\d+))?(?:\+(\d+))?(?::([^{}]*))?")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True, slots=True)
class _Placeholder:
    div: int
    mod: int
    add: int
    choices: tuple[str, ...]

    @property
    def max_bytes(self) -> int:
        if self.choices:
            return max(len(c.encode("utf-8")) for c in self.choices)
        return NUMBER_BYTES

    def render(self, i: int) -> str:
        v = i
        if self.div:
            v //= self.div
        if self.mod:
            v %= self.mod
        v += self.add
        return self.choices[v % len(self.choices)] if self.choices else str(v)


@dataclass(frozen=True, slots=True)
class LabelFormat:
    """One compiled label value format."""

    text: str
    parts: tuple[str | _Placeholder, ...]

    @property
    def uses_index(self) -> bool:
        """True when the value is ``i`` itself (possibly shifted), so it differs per series."""
        return any(isinstance(p, _Placeholder) and not p.mod and not p.div for p in self.parts)

    @property
    def max_bytes(self) -> int:
        """The longest value this format can render, in UTF-8 bytes."""
        return sum(
            len(p.encode("utf-8")) if isinstance(p, str) else p.max_bytes for p in self.parts
        )

    def render(self, i: int) -> str:
        return "".join(p if isinstance(p, str) else p.render(i) for p in self.parts)


def compile_format(text: str) -> LabelFormat:
    """Parse ``text``; raises ``ValueError`` with the offending placeholder and the grammar."""
    parts: list[str | _Placeholder] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        pos = m.end()
        token = m.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
            continue
        inner = m.group(1)
        full = _PLACEHOLDER.fullmatch(inner) if inner is not None else None
        if full is None:
            raise ValueError(
                f"bad placeholder {_short(token)} in {_short(text)}; allowed: {PLACEHOLDER_HELP}"
            )
        div, mod, add, choices = full.groups()
        for number in (div, mod, add):
            if number is not None and len(number.lstrip("0")) > MAX_NUMBER_DIGITS:
                raise ValueError(
                    f"a number of {len(number):,} digits in {_short(token)}; at most "
                    f"{MAX_NUMBER_DIGITS} digits allowed"
                )
        if (div is not None and int(div) == 0) or (mod is not None and int(mod) == 0):
            raise ValueError(f"division or modulo by zero in {_short(token)}")
        parts.append(
            _Placeholder(
                div=int(div or 0),
                mod=int(mod or 0),
                add=int(add or 0),
                choices=tuple(choices.split("|")) if choices is not None else (),
            )
        )
    if pos < len(text):
        parts.append(text[pos:])
    return LabelFormat(text, tuple(parts))


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57]) + "..."


# Alloy's BenchmarkHighContention label sets (DESIGN.md §2), expressed in the same grammar.
ALLOY_BENCHMARK: MappingProxyType[str, str] = MappingProxyType(
    {
        "__name__": "http_requests_total",
        "job": "api-server-{i}",
        "instance": "10.0.0.{i%256}",
        "path": "/api/v1/query_{i%100}",
        "method": "{i%4:GET|POST|PUT|DELETE}",
        "status": "{i%100+200}",
    }
)

TEMPLATE_PRESETS: MappingProxyType[str, MappingProxyType[str, str]] = MappingProxyType(
    {"alloy-benchmark": ALLOY_BENCHMARK}
)
