"""A flame graph of the census as SVG (``lsim profile show P -f svg``, or ``-o flame.svg``).

The same stacks as ``folded`` (Go state at the root, then the store's frames down to the lock
call, weighted by census thread-samples) drawn by lsim's own writer
(:mod:`lsim.integrations.flamegraph`): a standalone SVG a browser opens, lock waits in blue.
"""

from __future__ import annotations

from lsim.profile.model import Profile
from lsim.render.base import Renderer
from lsim.render.folded import census_stacks
from lsim.render.stacks import DEFAULT_GO_VERSION


class FlameGraphSvg(Renderer):
    name = "svg"
    suffixes = (".svg",)

    def __init__(self, *, go_version: str = DEFAULT_GO_VERSION, width: int = 1200) -> None:
        self.go_version = go_version
        self.width = width

    def render(self, profile: Profile) -> str:
        from lsim.integrations.flamegraph import render_svg

        stacks = [
            ([state, *(frame.function for frame in stack)], weight)
            for state, stack, weight in census_stacks(profile, self.go_version)
        ]
        shards = profile.store_options.get("shards")
        store = f"{profile.store}-{shards}" if shards else profile.store
        title = (
            f"lsim {store} · {profile.workload_name} · {profile.threads:,} threads "
            f"({profile.engine}): census thread-samples"
        )
        return render_svg(stacks, title=title, width=self.width)
