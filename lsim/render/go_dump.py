"""The real goroutine dump the go engine kept with a profile, verbatim.

``goroutines`` draws a dump from the census; this one is what ``runtime.Stack(buf, true)``
printed in the census run's representative sample (the same text as
``/debug/pprof/goroutine?debug=2``). Other engines have none, and say so.
"""

from __future__ import annotations

from lsim.errors import ConfigError
from lsim.profile.kept_dump import kept_dump
from lsim.profile.model import Profile
from lsim.render.base import Renderer


class KeptGoDump(Renderer):
    name = "go-dump"
    engines = ("go",)

    def render(self, profile: Profile) -> str:
        text = kept_dump(profile)
        if text is None:
            raise ConfigError(
                f"this {profile.engine}-engine profile has no real goroutine dump; only "
                "--engine go keeps one (use -f goroutines for a dump drawn from the census)",
                source="--format go-dump",
            )
        return text
