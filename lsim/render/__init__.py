"""Renderers, registered by name in one explicit list and picked by name or file suffix.

``get_renderer("goroutines", go_version="1.19")`` builds one; ``renderer_for_path(path)``
picks one from the file name (longest suffix wins, so ``x.speedscope.json`` is speedscope,
not json). Every renderer has ``render(profile) -> str | bytes`` and never prints.

README.md's table of formats is :func:`formats_table` (``python -m lsim.render`` prints it;
``tests/render/test_registry.py`` fails when the two differ).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsim.errors import ConfigError
from lsim.render.base import Renderer
from lsim.render.folded import FoldedRenderer
from lsim.render.go_dump import KeptGoDump, KeptGoPprof
from lsim.render.goroutines import GoroutineDump
from lsim.render.json_render import JsonRenderer
from lsim.render.pprof import PprofRenderer
from lsim.render.speedscope import SpeedscopeRenderer
from lsim.render.summary import SummaryRenderer, summary_rich
from lsim.render.svg import FlameGraphSvg

# name -> (class, default options, what it is for). Variants of one class are separate names
# so the CLI's ``--format`` needs no extra option for the common cases.
_REGISTRY: list[tuple[str, Callable[..., Renderer], dict[str, Any], str]] = [
    (
        "summary",
        SummaryRenderer,
        {},
        "the report: blocked threads per operation, throughput, latency, locks",
    ),
    (
        "goroutines",
        GoroutineDump,
        {"debug": 2},
        "a `debug=2` goroutine dump of a representative census sample (panicparse reads it)",
    ),
    ("goroutines1", GoroutineDump, {"debug": 1}, "the `debug=1` aggregated goroutine profile"),
    (
        "pprof",
        PprofRenderer,
        {"kind": "block"},
        "gzipped `profile.proto` for `go tool pprof`, block view (as `pprof-block`)",
    ),
    ("pprof-goroutine", PprofRenderer, {"kind": "goroutine"}, "pprof: goroutines counted by stack"),
    (
        "pprof-block",
        PprofRenderer,
        {"kind": "block"},
        "pprof: contentions and delay charged to the waiter's stack (matches the dump)",
    ),
    (
        "pprof-mutex",
        PprofRenderer,
        {"kind": "mutex"},
        "pprof: delay charged to the unlocker's stack, as Go's mutex profile",
    ),
    ("folded", FoldedRenderer, {}, "folded stacks (`a;b;c N`) for flamegraph.pl, inferno"),
    ("svg", FlameGraphSvg, {}, "a flame graph of the census, opens in a browser"),
    ("speedscope", SpeedscopeRenderer, {}, "speedscope JSON, one profile per Go state"),
    ("json", JsonRenderer, {}, "the profile itself (what `lsim profile show` reads back)"),
    ("go-dump", KeptGoDump, {}, "the real `debug=2` goroutine dump kept by `--engine go`"),
    *(
        (
            f"go-pprof-{kind}",
            KeptGoPprof,
            {"kind": kind},
            f"the real {kind} profile (`profile.proto`) of the window, kept by `--engine go`",
        )
        for kind in ("block", "mutex", "goroutine")
    ),
]
RENDERER_NAMES: tuple[str, ...] = tuple(entry[0] for entry in _REGISTRY)
DESCRIPTIONS: dict[str, str] = {entry[0]: entry[3] for entry in _REGISTRY}

# suffix -> renderer name; checked longest first
SUFFIXES: dict[str, str] = {
    ".pb.gz": "pprof",
    ".pprof": "pprof",
    ".folded": "folded",
    ".svg": "svg",
    ".speedscope.json": "speedscope",
    ".json": "json",
    ".txt": "summary",
    ".dump": "goroutines",
    ".goroutines": "goroutines",
}
BINARY_FORMATS = frozenset(e[0] for e in _REGISTRY if getattr(e[1], "binary", False))


def get_renderer(name: str, **options: Any) -> Renderer:
    """A renderer by registry name; ``options`` override the name's defaults."""
    for known, factory, defaults, _ in _REGISTRY:
        if known == name:
            return factory(**{**defaults, **options})
    # ConfigError is a ValueError that the CLI reports as a user error (exit 2)
    raise ConfigError(f"unknown format {name!r}; known formats: {', '.join(RENDERER_NAMES)}")


def renderer_for_path(path: str | Path, **options: Any) -> Renderer:
    """The renderer a file name asks for, by suffix (``profile.pb.gz`` -> pprof)."""
    file_name = Path(path).name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if file_name.endswith(suffix):
            return get_renderer(SUFFIXES[suffix], **options)
    raise ConfigError(
        f"cannot tell the format of {str(path)!r} from its name; known suffixes: "
        f"{', '.join(sorted(SUFFIXES))} (or pass a format name: {', '.join(RENDERER_NAMES)})"
    )


def formats_table() -> str:
    """The Markdown table of ``lsim profile show`` formats, as README.md shows it."""
    rows = ["| `-f` | `-o` suffix | binary | what it is |", "|---|---|---|---|"]
    for name in RENDERER_NAMES:
        suffixes = ", ".join(f"`{s}`" for s, n in SUFFIXES.items() if n == name) or "-"
        binary = "yes" if name in BINARY_FORMATS else ""
        rows.append(f"| `{name}` | {suffixes} | {binary} | {DESCRIPTIONS[name]} |")
    return "\n".join(rows) + "\n"


__all__ = [
    "BINARY_FORMATS",
    "DESCRIPTIONS",
    "RENDERER_NAMES",
    "SUFFIXES",
    "Renderer",
    "formats_table",
    "get_renderer",
    "renderer_for_path",
    "summary_rich",
]
