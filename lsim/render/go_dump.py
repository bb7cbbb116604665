"""The real Go output the go engine kept with a profile, verbatim.

``goroutines`` draws a dump from the census; ``go-dump`` is what ``runtime.Stack(buf,
true)`` printed in the census run's representative sample (the same text as
``/debug/pprof/goroutine?debug=2``). ``go-pprof-block|mutex|goroutine`` are runtime/pprof's
own profiles of that run's window (``lsimgo run -pprof-dir``), for ``go tool pprof`` beside
lsim's ``pprof-*`` renderings. Other engines have none, and say so.
"""

from __future__ import annotations

from lsim.errors import ConfigError
from lsim.profile.kept_dump import PPROF_KINDS, kept_dump, kept_pprof
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


class KeptGoPprof(Renderer):
    """A real profile (gzipped ``profile.proto``) kept by the go engine; ``kind`` as in
    :data:`~lsim.profile.kept_dump.PPROF_KINDS`."""

    name = "go-pprof"
    engines = ("go",)
    binary = True

    def __init__(self, *, kind: str = "block") -> None:
        if kind not in PPROF_KINDS:
            raise ConfigError(f"kind must be one of {', '.join(PPROF_KINDS)}, got {kind!r}")
        self.kind = kind

    def render(self, profile: Profile) -> bytes:
        data = kept_pprof(profile, self.kind)
        if data is None:
            raise ConfigError(
                f"this {profile.engine}-engine profile has no real {self.kind} profile; only "
                "--engine go keeps them (profiles made before lsim kept them have none; use "
                f"-f pprof-{self.kind} for lsim's rendering)",
                source=f"--format go-pprof-{self.kind}",
            )
        return data
