"""The optional mypyc-compiled model core: when to build it, what it needs, how to build it.

``LSIM_COMPILE=1 pip install .`` (or ``-e .``) compiles ``lsim.model_core.HOT_MODULES`` with
mypyc; without the variable nothing here runs and lsim installs as pure Python, needing no
compiler. When the compiled core is asked for but cannot be built (no C compiler, no Python
headers, no mypyc), the build stops with one line saying what is missing instead of falling
back: pip hides a build's warnings unless run with ``-v``, so a fallback would leave the user
with the slow core while they believe they have the fast one.

Used by the build backend (``build_support/backend.py``, ``setup.py``), by
``benchmarks/model_speed.py --mypyc`` and by ``tests/test_compiled_core.py``, so all three
compile the same modules the same way.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the module list ships in the package: lsim/model_core.py

from lsim.model_core import HOT_MODULES, source_path  # noqa: E402

ENV_VAR = "LSIM_COMPILE"
# mypyc ships with mypy; the version the dev extra already asks for
MYPY_REQUIREMENT = "mypy>=1.10"
# what a compiled build copies into its scratch tree (the package, and what setuptools reads)
TREE_FILES = ("lsim", "build_support", "setup.py", "pyproject.toml", "MANIFEST.in", "README.md")


class CompiledCoreUnavailable(SystemExit):
    """The compiled core was asked for and cannot be built. A SystemExit whose message is
    the one line pip shows as the build's output (no traceback)."""

    def __init__(self, missing: str) -> None:
        super().__init__(
            f"lsim: {ENV_VAR}=1 asks for the mypyc-compiled model core, but {missing}; "
            f"unset {ENV_VAR} for the pure-Python install (same results, slower model runs)"
        )


def wanted(environ: dict[str, str] | None = None) -> bool:
    """Whether this build compiles the core (``LSIM_COMPILE`` set to 1/true/yes/on)."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def c_compiler() -> str:
    """The C compiler setuptools will call: ``$CC`` or the one Python was built with."""
    configured = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    words = shlex.split(str(configured))
    return words[0] if words else "cc"


def missing_toolchain(need_mypyc: bool = True) -> str | None:
    """What a compiled build lacks here, in words, or None when nothing is missing."""
    compiler = c_compiler()
    if shutil.which(compiler) is None:
        return f"no C compiler was found ({compiler!r}; e.g. apt-get install gcc)"
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not headers.exists():
        return f"the Python headers are missing ({headers}; e.g. apt-get install python3-dev)"
    if need_mypyc and find_spec("mypyc") is None:
        return (
            "mypyc is not installed in the build environment (it ships with mypy: "
            "pip install mypy, when building with --no-build-isolation)"
        )
    return None


def check_toolchain(need_mypyc: bool = True) -> None:
    """Stop the build with one line when the compiled core cannot be built."""
    missing = missing_toolchain(need_mypyc)
    if missing is not None:
        raise CompiledCoreUnavailable(missing)


def build_requires() -> list[str]:
    """Extra build requirements: mypy (hence mypyc) when the compiled core is asked for.

    The compiler is checked here already, before pip installs mypy into the build
    environment, so a machine without one fails in a second, not after a download."""
    if not wanted():
        return []
    check_toolchain(need_mypyc=False)
    return [MYPY_REQUIREMENT]


_building = [False]  # set by the backend's build hooks: see compiling()


@contextmanager
def compiling() -> Iterator[None]:
    """Within a wheel build: the only hooks whose setup.py run needs the extensions (the
    requirement and metadata hooks run setup.py too, before mypyc is even installed)."""
    _building[0] = True
    try:
        yield
    finally:
        _building[0] = False


def ext_modules() -> list[Any]:
    """``setup(ext_modules=...)``: the mypyc extensions of the hot modules, or none."""
    if not (wanted() and _building[0]):
        return []
    check_toolchain()
    from mypyc.build import mypycify

    # mypy reads pyproject.toml's [tool.mypy] (strict) from the project root, the folder the
    # build runs in; the hot modules need no change to compile. Imports of packages absent
    # from an isolated build environment (yaml, scipy, ...) are typed Any: mypyc then uses
    # generic operations on them, with the same results.
    paths = [source_path(m) for m in HOT_MODULES]
    extensions: list[Any] = mypycify(["--ignore-missing-imports", *paths])
    return extensions


def copy_tree(folder: Path) -> Path:
    """The files a build reads, copied from this checkout to ``folder / "src"``."""
    source = folder / "src"
    source.mkdir(parents=True)
    for name in TREE_FILES:
        path = ROOT / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.pyd")
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    return source


def pip_wheel(
    source: Path, wheels: Path, compiled: bool, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``pip wheel`` of ``source`` into ``wheels``, with or without ``LSIM_COMPILE=1``, with
    this environment's setuptools and mypy (``--no-build-isolation``: no network)."""
    environ = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    environ.update({ENV_VAR: "1"} if compiled else {})
    environ.update(env or {})
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
               "--no-index", "-w", str(wheels), str(source)]  # fmt: skip
    return subprocess.run(command, env=environ, capture_output=True, text=True, cwd=source.parent)


def build_tree(folder: Path, log: Path | None = None, compiled: bool = True) -> Path:
    """This checkout's lsim as ``pip install .`` installs it (``compiled``: as
    ``LSIM_COMPILE=1 pip install .`` does), unpacked in ``folder / "tree"`` for
    ``PYTHONPATH``. Built from a copy of the tree, so the checkout is not touched; a compiled
    build takes about half a minute of CPU. ``log`` keeps pip's output."""
    if compiled:
        check_toolchain()
    wheels = folder / "wheels"
    done = pip_wheel(copy_tree(folder), wheels, compiled)
    if log is not None:
        log.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"the lsim build failed:\n{tail}")
    (wheel,) = wheels.glob("lsim-*.whl")
    tree = folder / "tree"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tree)
    return tree
