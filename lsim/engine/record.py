"""What every engine returns: one :class:`RunRecord`, and the protocol that returns it.

An engine measures; it does not write a :class:`~lsim.profile.model.Profile`. It translates
its own raw results (the threads engine's child data and census, the model's simulator
counters, the Go program's two JSON results) into this engine-neutral record, and
``lsim.engine.build`` turns any record into the profile with one pipeline of small steps.
Engine-specific facts travel here as data (its words for its processors, its notes, its
machine facts), so the builder has no branch per engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from lsim.engine.latency import HDR, Precision
from lsim.profile.model import CensusCell, LockReport, SampledThread

if TYPE_CHECKING:
    from lsim.engine.spec import Experiment
    from lsim.engine.threads import RunStatus
    from lsim.workload.model import Workload

ProgressFn = Callable[["RunStatus"], None]


@dataclass
class CensusRecord:
    """The census over the measured window, already aggregated by the engine's sampler."""

    rate_hz: float
    samples: int
    cells: list[CensusCell]  # summed over samples: state x operation x lock
    blocked_per_sample: list[int]  # the distribution, one entry per sample
    representative: list[SampledThread]  # the sample a goroutine dump is drawn from

    @classmethod
    def empty(cls) -> CensusRecord:
        """No census was taken (the go engine when its census run did not happen)."""
        return cls(0.0, 0, [], [], [])


def shard_of(lock_name: str) -> int:
    """The shard a sharded design's lock belongs to (``labelstore.shard[3].mut`` -> 3), or -1."""
    inside = lock_name.split("shard[", 1)[1].split("]", 1)[0] if "shard[" in lock_name else ""
    return int(inside) if inside.isdigit() else -1


@dataclass
class OperationRecord:
    """One operation's calls and latencies in the window.

    Either ``latencies`` (quantized ns -> calls, ``lsim.engine.latency.quantize``: the
    builder makes HDR percentiles of them) or the engine's own ``p50_ns``/``p99_ns`` and
    coarse ``histogram``, with the ``precision`` they have.
    """

    operation: str
    count: int
    max_ns: int
    latencies: Mapping[int, int] | None = None
    p50_ns: int = 0
    p99_ns: int = 0
    histogram: list[int] | None = None
    precision: Precision = HDR


@dataclass(frozen=True)
class LockUse:
    """The busiest lock: which, its held share of the window, and whether it is exclusive
    (only an exclusive lock held most of the time says the run is saturated)."""

    name: str
    share: float
    exclusive: bool = True


@dataclass(frozen=True)
class ProcessorUse:
    """How busy the engine's processors were, in the engine's own words (the interpreter's
    one core, the simulated Ps, the Go process's cores)."""

    share: float  # of their capacity in the window: >= 0.9 reads as saturated
    saturated: str  # the reason given when it is
    calm: str  # the phrase in a below-saturation reason


@dataclass
class RegimeEvidence:
    """What the regime step decides from (DESIGN.md §5): below or at saturation, and why."""

    processors: ProcessorUse
    lock: LockUse | None = None  # None: no lock, or no window to measure it in
    pace_steps: int = 0  # paced batches in the window
    pace_late: int = 0  # ... of which started late
    closed_loop: bool = False  # steady workers with no think time or pacing
    # Goroutines spawned afresh and run with no pause: saturated by construction. An engine
    # that can tell what bounds an iteration lists the candidates (share, words).
    burst: bool = False
    burst_bounds: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class BlockProfile:
    """Total wait on store locks in a block profile, over its window (for Little's law)."""

    store_wait_ns: float
    window_s: float


@dataclass
class RunRecord:
    """One engine's measurement of one experiment, before it is a profile."""

    engine: str
    store: str
    store_options: dict[str, Any]
    workload: Workload  # as it ran (the run's overrides applied)
    command: str
    threads: int  # threads or goroutines
    window_s: float  # the measured window (wall time, or virtual time for the model)
    wall_s: float  # the whole run, set-up included
    census: CensusRecord
    operations: list[OperationRecord]
    locks: list[LockReport]  # over the window
    thread_ops: list[int]
    regime: RegimeEvidence
    stacks: dict[str, list[list[str]]] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # the engine's own
    iterations_ns: list[float] = field(default_factory=list)  # burst mode, per iteration
    sampler: dict[str, Any] = field(default_factory=dict)
    integrations: dict[str, Any] = field(default_factory=dict)
    block_profile: BlockProfile | None = None
    notes: list[str] = field(default_factory=list)  # the engine's own, in its order
    interrupted: str = ""  # how the window was cut short ("" when it was not)
    failure: str = ""  # a worker's error: the profile is built, then RunFailed raised


class Engine(Protocol):
    """An engine: runs an experiment and returns what it measured (``lsim.engine.run``)."""

    def run(self, experiment: Experiment, progress: ProgressFn | None = None) -> RunRecord: ...
