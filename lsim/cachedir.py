"""Where lsim keeps what it measured or built once per machine: ``$LSIM_CACHE_DIR``, else
``$XDG_CACHE_HOME/lsim``, else ``~/.cache/lsim`` (the go engine's binary, the threads
engine's capacity calibration)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    explicit = os.environ.get("LSIM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "lsim"
