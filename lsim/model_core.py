"""Which model core this install runs: the mypyc-compiled hot modules, or pure Python.

A normal install (``pip install .``, CI) is pure Python. ``LSIM_COMPILE=1 pip install .``
compiles :data:`HOT_MODULES` with mypyc (``build_support/compiled_core.py``): the model's
event loop runs about twice as fast and gives the same results, because the compiled modules
are the same typed source. The compiled extension files sit next to the ``.py`` files and
Python's import prefers them, so the question "which core runs?" is answered by asking the
import system which file it would load, here, without importing the engine (``lsim
--version`` must start fast, ``tests/cli/test_startup.py``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib.machinery import EXTENSION_SUFFIXES, PathFinder
from pathlib import Path

import lsim

# The hot modules: the event loop, scheduler, locks, plans and lock rules. The rest of lsim
# stays interpreted and calls them as usual. An interpreted class cannot subclass a compiled
# one, so a subclass' module is compiled with its base's (fanoutplan's FanoutThread
# subclasses plan's: both or neither). A compiled class whose base is interpreted compiles,
# but as a slow non-native class: sched's Scheduler (and Sim) need runq's RunQueues compiled
# (left out, it cost the dump cell 30%). benchmarks/model_speed.py and the build use this list.
HOT_MODULES = (
    "lsim.engine.model.core",
    "lsim.engine.model.runq",
    "lsim.engine.model.sched",
    "lsim.engine.model.stats",
    "lsim.engine.model.sim",
    "lsim.engine.model.golock",
    "lsim.engine.model.gorwmutex",
    "lsim.engine.model.program",
    "lsim.engine.model.far",
    "lsim.engine.model.resume",
    "lsim.workload.plan",
    "lsim.workload.mixplan",
    "lsim.workload.steps",
    "lsim.sync.rules",
    "lsim.sync.stats",
    "lsim.workload.fanoutplan",
)
# seconds a source may be newer than its compiled file and not count as edited (_is_stale)
STALE_MARGIN_S = 10.0


def source_path(module: str) -> str:
    """``lsim.sync.rules`` -> ``lsim/sync/rules.py`` (relative to the project root)."""
    return module.replace(".", "/") + ".py"


@dataclass(frozen=True)
class ModelCore:
    """Which of :data:`HOT_MODULES` load compiled in this interpreter."""

    compiled: tuple[str, ...]
    stale: tuple[str, ...] = ()  # compiled, but the .py was edited after the build

    @property
    def kind(self) -> str:
        if not self.compiled:
            return "pure Python"
        if len(self.compiled) == len(HOT_MODULES):
            return "compiled (mypyc)"
        return f"partly compiled (mypyc: {len(self.compiled)} of {len(HOT_MODULES)} modules)"

    def describe(self) -> str:
        """One line, e.g. ``model core: compiled (mypyc)``."""
        line = f"model core: {self.kind}"
        if self.stale:
            # an editable compiled install whose source was edited: the old code still runs
            names = ", ".join(source_path(m).rsplit("/", 1)[1] for m in self.stale)
            line += f"; stale: {names} edited since the build (LSIM_COMPILE=1 pip install -e .)"
        return line


def _loaded_file(module: str, package: Path | None) -> Path | None:
    """The file ``import module`` runs (or ran, when it is imported already), with lsim's
    package folder at ``package`` (default: this lsim's)."""
    if package is None:
        loaded = sys.modules.get(module)
        if loaded is not None:
            name = getattr(loaded, "__file__", None)
            return Path(name) if name else None
        package = Path(lsim.__file__).parent
    folder = package.joinpath(*module.split(".")[1:-1])
    # PathFinder with an explicit folder: the same loader choice as a real import (extension
    # modules before sources), without running the parent packages' __init__
    spec = PathFinder.find_spec(module, [str(folder)])
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin)


def _is_extension(path: Path) -> bool:
    return path.name.endswith(tuple(EXTENSION_SUFFIXES))


def _is_stale(compiled: Path, module: str) -> bool:
    """Whether the module's source was edited after ``compiled`` was built. An install writes
    the .py and its compiled file moments apart, in either order: hence the margin."""
    source = compiled.parent / source_path(module).rsplit("/", 1)[1]
    return source.exists() and source.stat().st_mtime > compiled.stat().st_mtime + STALE_MARGIN_S


def model_core(package: Path | None = None) -> ModelCore:
    """Which core ``run_model`` uses in this interpreter, or in the lsim package folder
    ``package`` (an unpacked build, for the tests)."""
    files = {module: _loaded_file(module, package) for module in HOT_MODULES}
    compiled = {m: path for m, path in files.items() if path is not None and _is_extension(path)}
    stale = tuple(m for m, path in compiled.items() if _is_stale(path, m))
    return ModelCore(tuple(compiled), stale)
