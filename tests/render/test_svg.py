"""``-f svg``: the census as a flame graph, drawn by lsim's own SVG writer."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from lsim.profile.model import Profile
from lsim.render import get_renderer, renderer_for_path
from lsim.render.folded import FoldedRenderer
from lsim.render.svg import FlameGraphSvg
from tests.fixtures.profiles import small_profile

SVG = "{http://www.w3.org/2000/svg}"


def test_svg_is_xml_with_the_census_stacks(any_profile: Profile) -> None:
    svg = get_renderer("svg").render(any_profile)
    assert isinstance(svg, str)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    total = sum(
        int(line.rsplit(" ", 1)[1]) for line in FoldedRenderer().render(any_profile).splitlines()
    )
    assert any(t.startswith(f"all ({total:,} samples") for t in titles)  # same weights as folded
    assert any(t.startswith("sync.Mutex.Lock") or t.startswith("sync.RWMutex") for t in titles)


def test_svg_title_names_the_run_and_by_suffix() -> None:
    svg = FlameGraphSvg().render(small_profile("sharded"))
    assert "lsim sharded-4 · alloy-relabel-rw1 · 12 threads (threads)" in svg
    assert isinstance(renderer_for_path("flame.svg"), FlameGraphSvg)
