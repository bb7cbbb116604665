"""lsim's build backend: setuptools', plus mypy as a build requirement when ``LSIM_COMPILE=1``
asks for the compiled model core (``build_support/compiled_core.py``).

Without the variable every hook is setuptools' own, so the default build is the pure-Python
one it always was. pyproject.toml names this module (``backend-path``).
"""

from __future__ import annotations

from typing import Any

import compiled_core
from setuptools import build_meta as _setuptools  # type: ignore[import-untyped]

build_sdist = _setuptools.build_sdist
get_requires_for_build_sdist = _setuptools.get_requires_for_build_sdist
prepare_metadata_for_build_wheel = _setuptools.prepare_metadata_for_build_wheel
prepare_metadata_for_build_editable = _setuptools.prepare_metadata_for_build_editable


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    with compiled_core.compiling():
        name: str = _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
    return name


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    with compiled_core.compiling():
        name: str = _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
    return name


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    extra = compiled_core.build_requires()  # first: a missing compiler stops in one line
    requires: list[str] = _setuptools.get_requires_for_build_wheel(config_settings)
    return requires + extra


def get_requires_for_build_editable(config_settings: dict[str, Any] | None = None) -> list[str]:
    extra = compiled_core.build_requires()  # first: a missing compiler stops in one line
    requires: list[str] = _setuptools.get_requires_for_build_editable(config_settings)
    return requires + extra
