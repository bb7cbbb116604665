"""setuptools reads everything from pyproject.toml; this file only adds the optional
mypyc extensions (``LSIM_COMPILE=1``, see ``build_support/compiled_core.py``)."""

import sys
from pathlib import Path

from setuptools import setup  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent / "build_support"))
from compiled_core import ext_modules  # noqa: E402

setup(ext_modules=ext_modules())
