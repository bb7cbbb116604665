"""What to run: the resolved experiment, shared by the CLI, the engines and ``compare``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lsim.workload.model import Workload

DEFAULT_CENSUS_HZ = 100.0


@dataclass(frozen=True)
class Experiment:
    """One run of one store design on one workload (threads and seed already applied)."""

    workload: Workload
    store: str
    shards: int | None = None
    census_rate_hz: float = DEFAULT_CENSUS_HZ
    census: bool = True  # False: no sampling (used to measure the sampler's own cost)
    command: str = ""
    yappi_dir: str | None = None  # run yappi in the experiment process, save stats here
    engine: str = "threads"  # "threads" | "model" | "go"
    gomaxprocs: int | None = None  # model/go engine overrides (None: the default)
    goroutines: int | None = None
    sim_time_s: float | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # What pacing.offered resolved to (lsim.engine.capacity.LoadResolution.to_dict); empty
    # when the workload states absolute rates only. The report prints it (Profile.load).
    load: dict[str, Any] = field(default_factory=dict)

    @property
    def seed(self) -> int:
        return self.workload.seed

    @property
    def threads(self) -> int:
        return self.workload.threads.count

    @property
    def store_label(self) -> str:
        return f"{self.store}-{self.shards}" if self.store == "sharded" else self.store
