"""speedscope JSON (https://www.speedscope.app/file-format-schema.json).

One ``sampled`` profile per Go state, heaviest first, so speedscope's profile switcher reads
like the summary: ``sync.Mutex.Lock``, then ``runnable``, ... Each census cell is one sample
(stack ROOT FIRST, as the format wants) weighted by its thread-samples; the unit is ``none``
because a weight counts threads seen, not time.
"""

from __future__ import annotations

import json
from typing import Any

from lsim import __version__
from lsim.profile.model import Profile
from lsim.render.base import Renderer
from lsim.render.folded import census_stacks
from lsim.render.frames import Frame
from lsim.render.stacks import DEFAULT_GO_VERSION

SCHEMA = "https://www.speedscope.app/file-format-schema.json"


class SpeedscopeRenderer(Renderer):
    name = "speedscope"
    suffixes = (".speedscope.json",)

    def __init__(self, *, go_version: str = DEFAULT_GO_VERSION) -> None:
        self.go_version = go_version

    def render(self, profile: Profile) -> str:
        return json.dumps(self.document(profile), indent=1) + "\n"

    def document(self, profile: Profile) -> dict[str, Any]:
        frames: dict[Frame, int] = {}
        by_state: dict[str, tuple[list[list[int]], list[int]]] = {}
        for state, stack, weight in census_stacks(profile, self.go_version):
            indices = [frames.setdefault(f, len(frames)) for f in stack]
            samples, weights = by_state.setdefault(state, ([], []))
            samples.append(indices)
            weights.append(weight)
        order = sorted(by_state, key=lambda s: (-sum(by_state[s][1]), s))
        profiles = [
            {
                "type": "sampled",
                "name": f"{state} ({profile.store})",
                "unit": "none",
                "startValue": 0,
                "endValue": sum(by_state[state][1]),
                "samples": by_state[state][0],
                "weights": by_state[state][1],
            }
            for state in order
        ]
        return {
            "$schema": SCHEMA,
            "shared": {
                "frames": [{"name": f.function, "file": f.file, "line": f.line} for f in frames]
            },
            "profiles": profiles,
            "name": f"lsim {profile.store} {profile.workload_name} (seed {profile.seed})",
            "activeProfileIndex": 0,
            "exporter": f"lsim {profile.lsim_version or __version__}",
        }
