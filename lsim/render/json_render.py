"""The profile itself as JSON, for scripts: the same bytes ``save_profile`` writes."""

from __future__ import annotations

import json

from lsim.profile.model import Profile
from lsim.render.base import Renderer


class JsonRenderer(Renderer):
    """``profile.to_dict()``, keys sorted, indented: stable enough to diff and to load back
    with ``load_profile`` (``lsim profile -f json > p.json`` then ``lsim show p.json``)."""

    name = "json"
    suffixes = (".json",)

    def render(self, profile: Profile) -> str:
        return json.dumps(profile.to_dict(), indent=1, sort_keys=True) + "\n"
