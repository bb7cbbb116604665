"""Renderers, registered by name in one explicit list and picked by name or file suffix.

``get_renderer("goroutines", go_version="1.19")`` builds one; ``renderer_for_path(path)``
picks one from the file name (longest suffix wins, so ``x.speedscope.json`` is speedscope,
not json). Every renderer has ``render(profile) -> str | bytes`` and never prints.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsim.errors import ConfigError
from lsim.render.base import Renderer
from lsim.render.folded import FoldedRenderer
from lsim.render.goroutines import GoroutineDump
from lsim.render.json_render import JsonRenderer
from lsim.render.pprof import PprofRenderer
from lsim.render.speedscope import SpeedscopeRenderer
from lsim.render.summary import SummaryRenderer, summary_rich

# name -> (class, default options). Variants of one class are separate names so the CLI's
# ``--format`` needs no extra option for the common cases.
_REGISTRY: list[tuple[str, Callable[..., Renderer], dict[str, Any]]] = [
    ("summary", SummaryRenderer, {}),
    ("goroutines", GoroutineDump, {"debug": 2}),
    ("goroutines1", GoroutineDump, {"debug": 1}),
    ("pprof", PprofRenderer, {"kind": "block"}),
    ("pprof-goroutine", PprofRenderer, {"kind": "goroutine"}),
    ("pprof-block", PprofRenderer, {"kind": "block"}),
    ("pprof-mutex", PprofRenderer, {"kind": "mutex"}),
    ("folded", FoldedRenderer, {}),
    ("speedscope", SpeedscopeRenderer, {}),
    ("json", JsonRenderer, {}),
]
RENDERER_NAMES: tuple[str, ...] = tuple(name for name, _, _ in _REGISTRY)

# suffix -> renderer name; checked longest first
SUFFIXES: dict[str, str] = {
    ".pb.gz": "pprof",
    ".folded": "folded",
    ".speedscope.json": "speedscope",
    ".json": "json",
    ".txt": "summary",
    ".dump": "goroutines",
    ".goroutines": "goroutines",
}


def get_renderer(name: str, **options: Any) -> Renderer:
    """A renderer by registry name; ``options`` override the name's defaults."""
    for known, factory, defaults in _REGISTRY:
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


__all__ = [
    "RENDERER_NAMES",
    "SUFFIXES",
    "Renderer",
    "get_renderer",
    "renderer_for_path",
    "summary_rich",
]
