"""Folded stacks (``root;...;leaf N``) for flamegraph.pl, inferno and speedscope.

Weights are thread-samples straight from the census cells (integers, no rounding): a frame's
width is how many threads the census saw under it, summed over all samples. The Go state is
the root frame, so the flame graph splits first by ``sync.Mutex.Lock`` / ``runnable`` / ...
and the lock waits stand apart from threads that merely share the same store frames.
"""

from __future__ import annotations

from lsim.profile.model import Profile
from lsim.render.base import Renderer
from lsim.render.frames import Frame
from lsim.render.stacks import DEFAULT_GO_VERSION, thread_stack


def census_stacks(
    profile: Profile, go_version: str = DEFAULT_GO_VERSION
) -> list[tuple[str, list[Frame], int]]:
    """``(state, stack ROOT FIRST, thread_samples)`` per census cell, in census order."""
    out = []
    for cell in profile.census:
        if cell.thread_samples > 0:
            stack = thread_stack(
                profile, cell.state, cell.operation, cell.lock, go_version=go_version
            )
            out.append((cell.state, stack[::-1], cell.thread_samples))
    return out


class FoldedRenderer(Renderer):
    name = "folded"
    suffixes = (".folded",)

    def __init__(self, *, go_version: str = DEFAULT_GO_VERSION) -> None:
        self.go_version = go_version

    def render(self, profile: Profile) -> str:
        weights: dict[str, int] = {}
        for state, stack, weight in census_stacks(profile, self.go_version):
            # cells that differ only by lock (one per shard) fold into the same line
            line = ";".join([state, *(f.function for f in stack)])
            weights[line] = weights.get(line, 0) + weight
        return "".join(f"{line} {weights[line]}\n" for line in sorted(weights))
