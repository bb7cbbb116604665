"""The ``series`` section of a workload: how many label sets, how many exist before the
window, their label template (a preset or label -> format) and churn. Part of the workload
model (:mod:`lsim.workload.model`, which re-exports these), checked the same way."""

from __future__ import annotations

from dataclasses import dataclass, field

from lsim.errors import ConfigError
from lsim.labels import HashLayout
from lsim.workload import checks as ck
from lsim.workload.labelfmt import TEMPLATE_PRESETS, LabelFormat, compile_format

MAX_SERIES = 100_000_000  # a sanity bound; the memory estimate refuses far less on most machines
MAX_LABEL_BYTES = (1 << 24) - 1  # stringlabels' 3-byte length prefix: 16 MiB - 1 per string


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """``name`` is a preset (``alloy-benchmark``) or ``custom``; ``labels`` is always filled."""

    name: str = "alloy-benchmark"
    labels: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.name != "custom":
            if self.name not in TEMPLATE_PRESETS:
                raise ConfigError(
                    f"unknown template {self.name!r}; allowed: {', '.join(TEMPLATE_PRESETS)}, "
                    "or a mapping of label -> format",
                    field="template",
                )
            preset = tuple(TEMPLATE_PRESETS[self.name].items())
            if self.labels and tuple(self.labels) != preset:
                raise ConfigError(
                    "a preset's labels are fixed; use a mapping of label -> format for your own",
                    field="template",
                )
            object.__setattr__(self, "labels", preset)
        if not self.labels:
            raise ConfigError("needs at least one label", field="template")
        names: set[str] = set()
        for name, text in self.labels:
            if not isinstance(name, str) or not name:
                raise ConfigError("label names must be non-empty strings", field="template")
            if name in names:
                raise ConfigError(f"label {ck.describe(name)} is given twice", field="template")
            names.add(name)
            shown = name if len(name) <= 60 else ck.describe(name)
            if not isinstance(text, str):
                raise ConfigError(
                    f"must be a string (got {ck.describe(text)})", field=f"template.{shown}"
                )
            try:
                size = len(name.encode("utf-8"))
                fmt = compile_format(text)
            except UnicodeEncodeError:
                raise ConfigError("is not valid Unicode text", field=f"template.{shown}") from None
            except ValueError as error:
                raise ConfigError(str(error), field=f"template.{shown}") from None
            if size > MAX_LABEL_BYTES:
                raise ConfigError(
                    f"a label name of {size:,} bytes; a label string holds at most "
                    f"{MAX_LABEL_BYTES:,} bytes (stringlabels' 3-byte length)",
                    field="template",
                )
            if fmt.max_bytes > MAX_LABEL_BYTES:
                raise ConfigError(
                    f"values of up to {fmt.max_bytes:,} bytes; a label value holds at most "
                    f"{MAX_LABEL_BYTES:,} bytes (stringlabels' 3-byte length)",
                    field=f"template.{shown}",
                )

    def formats(self) -> tuple[tuple[str, LabelFormat], ...]:
        return tuple((name, compile_format(text)) for name, text in self.labels)


@dataclass(frozen=True, slots=True)
class ChurnSpec:
    # Fraction of each thread's series replaced by never-seen series at every cycle (scrape):
    # the old ones get stale markers, the new ones are created (GetOrAdd miss + AddLocalLink).
    fraction_per_cycle: float = 0.0

    def __post_init__(self) -> None:
        ck.number("fraction_per_cycle", self.fraction_per_cycle, lo=0.0, hi=1.0)


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    count: int = 10_000
    prepopulated: int = 0
    template: TemplateSpec = field(default_factory=TemplateSpec)
    churn: ChurnSpec = field(default_factory=ChurnSpec)
    layout: HashLayout = HashLayout.STRINGLABELS

    def __post_init__(self) -> None:
        ck.integer("count", self.count, lo=1, hi=MAX_SERIES)
        ck.integer("prepopulated", self.prepopulated, lo=0)
        if self.prepopulated > self.count:
            raise ConfigError(
                f"must be <= series.count ({self.count:,}) (got {self.prepopulated:,})",
                field="prepopulated",
            )
        if not isinstance(self.layout, HashLayout):
            allowed = [m.value for m in HashLayout]
            ck.choice("layout", self.layout, allowed, what="hash layout")
            object.__setattr__(self, "layout", HashLayout(self.layout))
