"""YAML workload files -> :class:`Workload`, with errors that name the file and the field.

The loader checks the shape (mappings, known keys, strings where names are expected); the
model classes check values (see ``model.py``). Every :class:`ConfigError` raised while a
section is built is re-raised with the file as ``source`` and the full dotted path as
``field``: ``workloads/x.yaml: ops.mix.GetLocalRefID: must be >= 0 (got -1)``.
YAML is read by ``yamlsafe`` (safe types only, bounded size and depth, no aliases, duplicate
keys refused): a workload file cannot construct Python objects or expand without limit.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from lsim.errors import ConfigError
from lsim.workload import checks as ck
from lsim.workload.model import (
    MAX_COMPONENTS,
    ChurnSpec,
    MixSpec,
    ModelSpec,
    PacingSpec,
    PipelineSpec,
    RunSpec,
    SeriesSpec,
    StoreSpec,
    TemplateSpec,
    ThreadsSpec,
    Workload,
)
from lsim.workload.serialize import workload_to_dict
from lsim.workload.yamlsafe import parse_yaml, read_text

BUILTIN_NAMES: tuple[str, ...] = ("default",)
BUILTIN_PREFIX = "builtin:"
TOP_KEYS = (
    "name",
    "description",
    "seed",
    "threads",
    "run",
    "series",
    "components",
    "store",
    "ops",
    "pacing",
    "model",
)
__all__ = [
    "BUILTIN_NAMES",
    "builtin_workload",
    "load_workload",
    "parse_workload",
    "resolve_workload",
    "workload_to_dict",
]


@contextmanager
def _located(source: str, path: str) -> Iterator[None]:
    """Re-raise model errors with the file and the section path in front of their field."""
    try:
        yield
    except ConfigError as error:
        if error.source is not None:
            raise
        field = ".".join(p for p in (path, error.field) if p) or None
        raise ConfigError(error.detail, source=source, field=field) from None


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> ConfigError:
        return ConfigError(message, source=self.source, field=path or None)

    def section(self, value: Any, path: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        """A mapping with only ``allowed`` keys; ``None`` (an empty section) means defaults."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            where = "the top level" if not path else "this section"
            raise self.fail(path, f"{where} must be a mapping of keys (got {_kind(value)})")
        for key in value:
            if not isinstance(key, str) or key not in allowed:
                shown = key if isinstance(key, str) and len(key) <= 60 else ck.describe(key)
                hint = difflib.get_close_matches(str(shown), allowed, n=1)
                did = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise self.fail(
                    f"{path}.{shown}" if path else str(shown),
                    f"unknown key{did}; allowed: {', '.join(allowed)}",
                )
        return dict(value)

    def simple(self, cls: Any, value: Any, path: str) -> Any:
        """A section whose keys are exactly the fields of ``cls``."""
        names = tuple(f.name for f in dataclasses.fields(cls))
        raw = self.section(value, path, names)
        with _located(self.source, path):
            return cls(**raw)

    def string(self, value: Any, path: str, *, empty_ok: bool = False) -> str:
        if not isinstance(value, str) or (not value and not empty_ok):
            raise self.fail(
                path, f"must be a {'' if empty_ok else 'non-empty '}string (got {_kind(value)})"
            )
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return ck.describe(value)


def _template(r: _Reader, value: Any) -> TemplateSpec:
    path = "series.template"
    if value is None or isinstance(value, str):
        with _located(r.source, "series"):
            return TemplateSpec() if value is None else TemplateSpec(name=value)
    if not isinstance(value, Mapping):
        raise r.fail(
            path, f"must be a preset name or a mapping label -> format (got {_kind(value)})"
        )
    labels = tuple(
        (r.string(k, path), r.string(v, f"{path}.{k}", empty_ok=True)) for k, v in value.items()
    )
    with _located(r.source, "series"):
        return TemplateSpec(name="custom", labels=labels)


def _series(r: _Reader, value: Any) -> SeriesSpec:
    raw = r.section(value, "series", ("count", "prepopulated", "template", "churn", "layout"))
    raw["template"] = _template(r, raw.get("template"))
    raw["churn"] = r.simple(ChurnSpec, raw.get("churn"), "series.churn")
    with _located(r.source, "series"):
        return SeriesSpec(**raw)


def _components(r: _Reader, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= MAX_COMPONENTS:
            raise r.fail("components", f"must be 1..{MAX_COMPONENTS} (got {value})")
        return tuple(f"component_{i}" for i in range(value))
    if not isinstance(value, list):
        raise r.fail("components", f"must be a number or a list of names (got {_kind(value)})")
    return tuple(r.string(v, f"components[{i}]") for i, v in enumerate(value))


def _ops(r: _Reader, value: Any) -> PipelineSpec | MixSpec:
    raw = r.section(value, "ops", ("pipeline", "mix", "draw"))
    if "pipeline" in raw and ("mix" in raw or "draw" in raw):
        raise r.fail("ops", "give either pipeline or mix (with draw), not both")
    if "mix" not in raw:
        if "draw" in raw:
            raise r.fail("ops.draw", "only used with ops.mix")
        return r.simple(PipelineSpec, raw.get("pipeline"), "ops.pipeline")  # type: ignore[no-any-return]
    weights = raw["mix"]
    if not isinstance(weights, Mapping) or not weights:
        raise r.fail("ops.mix", f"must be a mapping operation -> weight (got {_kind(weights)})")
    draw_keys = tuple(f.name for f in dataclasses.fields(MixSpec) if f.name != "weights")
    draw = r.section(raw.get("draw"), "ops.draw", draw_keys)
    with _located(r.source, "ops"):
        return MixSpec(weights=dict(weights), **draw)


def _model(r: _Reader, value: Any) -> ModelSpec:
    raw = r.section(value, "model", ("gomaxprocs", "goroutines", "sim_time_s", "costs"))
    costs = raw.get("costs")
    if isinstance(costs, str) and costs.strip():  # a costs file (lsim calibrate), beside us
        from lsim.workload.costs import load_costs_file

        here = Path(r.source).parent if not r.source.startswith(("<", BUILTIN_PREFIX)) else None
        path = Path(costs).expanduser()
        costs = load_costs_file(path if path.is_absolute() or here is None else here / path,
                                source=f"{r.source}: model.costs")  # fmt: skip
    if costs is not None and not isinstance(costs, Mapping):
        raise r.fail("model.costs", "must be a mapping cost -> nanoseconds or the name of a "
                     f"costs file written by lsim calibrate (got {_kind(costs)})")  # fmt: skip
    raw["costs"] = dict(costs or {})
    with _located(r.source, "model"):
        return ModelSpec(**raw)


def parse_workload(data: Any, source: str, *, default_name: str = "workload") -> Workload:
    """Build a workload from already-parsed YAML data (``source`` names it in errors)."""
    r = _Reader(source)
    if data is None:
        raise r.fail("", "the file is empty; the top level must be a mapping of keys")
    top = r.section(data, "", TOP_KEYS)
    kwargs: dict[str, Any] = {
        "name": r.string(top.get("name", default_name), "name"),
        "description": r.string(top.get("description", ""), "description", empty_ok=True),
        "threads": r.simple(ThreadsSpec, top.get("threads"), "threads"),
        "run": r.simple(RunSpec, top.get("run"), "run"),
        "series": _series(r, top.get("series")),
        "store": r.simple(StoreSpec, top.get("store"), "store"),
        "behaviour": _ops(r, top.get("ops")),
        "pacing": r.simple(PacingSpec, top.get("pacing"), "pacing"),
        "model": _model(r, top.get("model")),
        "source": source,
    }
    if "seed" in top:
        kwargs["seed"] = top["seed"]
    components = _components(r, top.get("components"))
    if components is not None:
        kwargs["components"] = components
    with _located(source, ""):
        return Workload(**kwargs)


def _parse_text(text: str, source: str, default_name: str) -> Workload:
    return parse_workload(parse_yaml(text, source), source, default_name=default_name)


def load_workload(path: str | Path) -> Workload:
    """Read and validate a workload file."""
    p = Path(path)
    return _parse_text(read_text(p, str(path)), str(path), p.stem)


def builtin_workload(name: str = "default") -> Workload:
    """A workload shipped inside the package (``BUILTIN_NAMES``)."""
    if name not in BUILTIN_NAMES:
        raise ConfigError(f"unknown builtin workload {name!r}; allowed: {', '.join(BUILTIN_NAMES)}")
    text = resources.files("lsim.workload").joinpath("builtin", f"{name}.yaml").read_text("utf-8")
    return _parse_text(text, BUILTIN_PREFIX + name, name)


def resolve_workload(ref: str | Path | None) -> Workload:
    """``None`` / ``builtin`` / ``builtin:NAME`` -> a builtin; anything else -> a file."""
    if ref is None or str(ref) == "builtin":
        return builtin_workload()
    if isinstance(ref, str) and ref.startswith(BUILTIN_PREFIX):
        return builtin_workload(ref[len(BUILTIN_PREFIX) :])
    return load_workload(ref)
