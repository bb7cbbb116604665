"""The flame-graph writer on tiny folded inputs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lsim.integrations.flamegraph import (
    format_folded,
    parse_folded,
    render_svg,
    write_flamegraph,
)

SVG = "{http://www.w3.org/2000/svg}"
FOLDED = """\
main (app.py:1);work (app.py:5);sync.(*Mutex).Lock (lsim/sync/locks.py:70) 30
main (app.py:1);work (app.py:5) 10
main (app.py:1);idle <lambda> & co (app.py:9) 60
"""


def boxes(svg: str) -> dict[str, float]:
    """Frame name -> box width, read back from the SVG."""
    root = ET.fromstring(svg)
    widths: dict[str, float] = {}
    for g in root.iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        rect = g.find(f"{SVG}rect")
        assert title is not None and rect is not None
        name = (title.text or "").rsplit(" (", 1)[0]
        widths[name] = float(rect.attrib["width"])
    return widths


def test_parse_keeps_spaces_in_frames_and_integer_weights() -> None:
    stacks = parse_folded(FOLDED)
    assert stacks[0] == (
        ["main (app.py:1)", "work (app.py:5)", "sync.(*Mutex).Lock (lsim/sync/locks.py:70)"],
        30,
    )
    assert [w for _, w in stacks] == [30, 10, 60]


def test_parse_rejects_a_line_without_a_count() -> None:
    with pytest.raises(ValueError, match="folded line 2"):
        parse_folded("a;b 1\na;b\n")


def test_format_merges_identical_stacks_heaviest_first() -> None:
    text = format_folded([(["a", "b"], 2), (["c"], 5), (["a", "b"], 4)])
    assert text == "a;b 6\nc 5\n"
    assert parse_folded(text) == [(["a", "b"], 6), (["c"], 5)]


def test_svg_is_xml_with_titles_and_widths_proportional_to_weight() -> None:
    svg = render_svg(parse_folded(FOLDED), title="test <graph>")
    widths = boxes(svg)
    assert widths["all"] == pytest.approx(1200 - 20)  # the root spans the drawing
    assert widths["main (app.py:1)"] == pytest.approx(widths["all"])
    assert widths["work (app.py:5)"] == pytest.approx(widths["all"] * 0.4, abs=0.01)
    lock = "sync.(*Mutex).Lock (lsim/sync/locks.py:70)"
    assert widths[lock] == pytest.approx(widths["all"] * 0.3, abs=0.01)
    assert widths["idle <lambda> & co (app.py:9)"] == pytest.approx(widths["all"] * 0.6, abs=0.01)
    assert "30 samples, 30.00%" in svg


def test_children_sit_above_their_parent() -> None:
    root = ET.fromstring(render_svg([(["a", "b"], 1)]))
    y = {}
    for g in root.iter(f"{SVG}g"):
        title, rect = g.find(f"{SVG}title"), g.find(f"{SVG}rect")
        assert title is not None and rect is not None
        y[(title.text or "").split(" ")[0]] = float(rect.attrib["y"])
    assert y["all"] > y["a"] > y["b"]


def test_lock_frames_are_coloured_apart() -> None:
    root = ET.fromstring(render_svg([(["run", "sync.(*Mutex).Lock"], 1)]))
    fills = {}
    for g in root.iter(f"{SVG}g"):
        title, rect = g.find(f"{SVG}title"), g.find(f"{SVG}rect")
        assert title is not None and rect is not None
        fills[(title.text or "").split(" ")[0]] = rect.attrib["fill"]
    red, _, blue = (int(c) for c in fills["sync.(*Mutex).Lock"][4:-1].split(","))
    assert blue > red  # blue for waits, warm colours for code


def test_tiny_boxes_are_left_out() -> None:
    widths = boxes(render_svg([(["big"], 1_000_000), (["tiny"], 1)]))
    assert "big" in widths and "tiny" not in widths


def test_empty_input_still_renders(tmp_path: Path) -> None:
    path = write_flamegraph([], tmp_path / "empty.svg")
    root = ET.parse(path).getroot()
    assert "no samples" in "".join(root.itertext())
