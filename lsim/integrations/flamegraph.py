"""A small flame-graph SVG writer for folded stacks (``a;b;c N``), standard library only.

The output is a plain SVG a browser opens directly: one box per frame, its width
proportional to the samples under it, root at the bottom, and a ``<title>`` on every box so
hovering shows the full name, the sample count and the share. Frames of Go's ``sync``
package (lock waits after :mod:`lsim.integrations.gonames` renamed them) are drawn in blue so
the waiting stands out from the warm colours of running code. No script: the file stays
small, valid XML and safe to open from anywhere.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

Stack = tuple[list[str], int]

FRAME_HEIGHT = 16
FONT_SIZE = 11
CHAR_WIDTH = FONT_SIZE * 0.59  # average glyph width of the sans-serif font at FONT_SIZE
MIN_BOX_PX = 0.1  # narrower boxes (and everything above them) are invisible: leave them out
TOP_MARGIN = 34
BOTTOM_MARGIN = 8
SIDE_MARGIN = 10


def parse_folded(text: str) -> list[Stack]:
    """``frame;frame;... weight`` lines -> ``(frames, weight)``; frames may contain spaces."""
    stacks: list[Stack] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        frames, _, weight = line.rpartition(" ")
        if not frames or not weight.isdigit():
            raise ValueError(f"folded line {number}: expected 'frame;frame;... COUNT': {line!r}")
        stacks.append((frames.split(";"), int(weight)))
    return stacks


def format_folded(stacks: Iterable[Stack]) -> str:
    """The inverse of :func:`parse_folded` (identical stacks merged, heaviest first)."""
    merged: dict[str, int] = {}
    for frames, weight in stacks:
        key = ";".join(frames)
        merged[key] = merged.get(key, 0) + weight
    ordered = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
    return "".join(f"{key} {weight}\n" for key, weight in ordered)


@dataclass
class _Node:
    name: str
    value: int = 0
    children: dict[str, _Node] = field(default_factory=dict)


def _tree(stacks: Iterable[Stack]) -> _Node:
    root = _Node("all")
    for frames, weight in stacks:
        node = root
        node.value += weight
        for name in frames:
            node = node.children.setdefault(name, _Node(name))
            node.value += weight
    return root


def _colour(name: str) -> str:
    # crc32, not hash(): the same frame gets the same colour in every run and process
    h = zlib.crc32(name.encode("utf-8"))
    if name.startswith("sync."):
        return f"rgb({40 + h % 60},{110 + (h >> 8) % 70},{200 + (h >> 16) % 55})"
    return f"rgb({205 + h % 50},{(h >> 8) % 200},{(h >> 16) % 55})"


def _label(name: str, width_px: float) -> str:
    fits = int((width_px - 6) / CHAR_WIDTH)
    if fits < 3:
        return ""
    return name if len(name) <= fits else name[: fits - 2] + ".."


def _depth(node: _Node) -> int:
    deepest, todo = 0, [(node, 0)]
    while todo:
        current, depth = todo.pop()
        deepest = max(deepest, depth)
        todo.extend((child, depth + 1) for child in current.children.values())
    return deepest


def render_svg(stacks: Iterable[Stack], title: str = "Flame graph", width: int = 1200) -> str:
    """The SVG text for ``stacks``."""
    root = _tree(stacks)
    depth = _depth(root)
    height = TOP_MARGIN + (depth + 1) * FRAME_HEIGHT + BOTTOM_MARGIN
    scale = (width - 2 * SIDE_MARGIN) / root.value if root.value else 0.0
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        f"<style>text {{ font-family: Verdana, sans-serif; font-size: {FONT_SIZE}px; "
        "fill: #000; } .title { font-size: 16px; }</style>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f8f8f4"/>',
        f'<text class="title" x="{width / 2:.0f}" y="22" text-anchor="middle">'
        f"{escape(title)} ({root.value:,} samples)</text>",
    ]
    if not root.value:
        parts.append(f'<text x="{SIDE_MARGIN}" y="{TOP_MARGIN + 12}">no samples</text>')
    # Iterative walk (deep recursive workloads must not hit Python's recursion limit).
    todo: list[tuple[_Node, float, int]] = [(root, float(SIDE_MARGIN), 0)] if root.value else []
    while todo:
        node, x, level = todo.pop()
        box_width = node.value * scale
        y = height - BOTTOM_MARGIN - (level + 1) * FRAME_HEIGHT
        share = 100.0 * node.value / root.value
        tip = f"{node.name} ({node.value:,} samples, {share:.2f}%)"
        label = _label(node.name, box_width)
        parts.append(
            f"<g><title>{escape(tip)}</title>"
            f'<rect x="{x:.2f}" y="{y}" width="{box_width:.2f}" height="{FRAME_HEIGHT - 1}" '
            f'fill={quoteattr(_colour(node.name))} rx="2" ry="2"/>'
            + (
                f'<text x="{x + 3:.2f}" y="{y + FRAME_HEIGHT - 4}">{escape(label)}</text>'
                if label
                else ""
            )
            + "</g>"
        )
        child_x = x
        for name in sorted(node.children):  # alphabetical, as flamegraph.pl: merges read well
            child = node.children[name]
            if child.value * scale >= MIN_BOX_PX:
                todo.append((child, child_x, level + 1))
            child_x += child.value * scale
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_flamegraph(stacks: Iterable[Stack], path: Path, title: str = "Flame graph") -> Path:
    path.write_text(render_svg(stacks, title), encoding="utf-8")
    return path
