"""A versioned, JSON-serialisable record of one experiment.

Engines (threads, model) fill a :class:`Profile`; renderers only read it. Everything is plain
data (str/int/float/list/dict) so save -> load round-trips exactly. Names are Go's:
operations as Alloy's methods (``GetOrAddGlobalRefID``), states as a goroutine dump prints
them (``sync.Mutex.Lock``), locks by the store's field name (``labelstore.Service.mut``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lsim.errors import ProfileFormatError

FORMAT_VERSION = 1
PROFILE_KIND = "lsim-profile"


@dataclass
class CensusCell:
    """Summed over all census samples: how often a thread was seen in this combination.

    ``thread_samples / Profile.census_samples`` is the mean number of threads in it.
    """

    state: str  # Go state: running, runnable, sync.Mutex.Lock, sync.RWMutex.RLock, ...
    operation: str  # Go method name, or "" outside the store (think time, idle)
    lock: str  # lock name, or "" when not waiting on a lock
    thread_samples: int


@dataclass
class SampledThread:
    """One thread in the representative census sample (the goroutine dump is drawn from it)."""

    thread: int
    state: str
    operation: str
    lock: str
    wait_ns: int  # how long it has been in this state (0 when unknown)
    shard: int = -1  # sharded design: which shard's Service it is in
    in_unlock: bool = False  # runnable inside Unlock (after a starvation hand-off)
    # runnable, just woken from this lock wait (a blocked state's name), not yet run: a dump
    # still shows its semaphore frames. Only the go engine records it (from the real dump).
    woken: str = ""


@dataclass
class LockReport:
    """Per-lock statistics, Go mutex/block-profile style. Times in nanoseconds."""

    name: str
    kind: str  # "mutex" | "rwmutex"
    mode: str  # "write" (exclusive) | "read" (shared)
    acquisitions: int
    contended: int
    wait_total_ns: int
    wait_max_ns: int
    hold_total_ns: int
    wait_histogram: list[int]  # bucket i: wait < 2**i microseconds
    wait_by_operation: dict[str, list[int]] = field(default_factory=dict)  # op -> [count, ns]
    delay_by_unlocker: dict[str, list[int]] = field(default_factory=dict)  # op -> [count, ns]
    starvation_entries: int = 0
    handoffs: int = 0


@dataclass
class OperationReport:
    """Throughput and latency of one store operation (latency in nanoseconds)."""

    operation: str
    count: int
    ops_per_s: float
    p50_ns: int
    p99_ns: int
    max_ns: int
    latency_histogram: list[int] = field(default_factory=list)  # bucket i: < 2**i us
    # How exact p50/p99 are (lsim.engine.latency): "HdrHistogram, 3 significant digits ...";
    # empty in profiles written before it was recorded (power-of-two bucket bounds).
    latency_precision: str = ""
    latency_significant_digits: int = 0  # 0: no fixed number (or not recorded)
    latency_hdr: str = ""  # the threads engine's HDR histogram, compressed base64 (or "")


@dataclass
class Profile:
    """One experiment: what ran, what the census saw, what the locks counted."""

    engine: str  # "threads" | "model" | "go"
    store: str
    store_options: dict[str, Any]
    workload_name: str
    workload: dict[str, Any]  # the resolved workload, as plain data
    seed: int
    command: str  # the exact command that reproduces the run
    threads: int
    duration_s: float  # measured interval (wall time, or virtual time for the model)
    # census
    census_rate_hz: float
    census_samples: int
    census: list[CensusCell]
    blocked_per_sample: list[int]  # blocked threads in each census sample (the distribution)
    representative: list[SampledThread]  # the sample the goroutine dump shows
    # measurements
    operations: list[OperationReport]
    locks: list[LockReport]
    total_ops: int
    ops_per_s: float
    thread_ops: list[int]  # operations completed per thread (progress spread)
    regime: str  # "below-saturation" | "saturated"
    regime_reason: str
    # Go call stacks per operation for this design (outermost first, the lock call last),
    # as ["pkg.(*T).Method", "file.go:line"] pairs; renderers build dumps and pprof from them.
    stacks: dict[str, list[list[str]]] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    sampler: dict[str, Any] = field(default_factory=dict)
    integrations: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # What the workload's pacing.offered resolved to: the load, the capacity it is relative
    # to and its calibration (lsim.engine.capacity); empty for absolute rates.
    load: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    lsim_version: str = ""
    format_version: int = FORMAT_VERSION

    # -- derived views (used by renderers and compare) --------------------------------------
    def mean_threads(self, predicate: Any = None) -> float:
        """Mean threads per census sample over the cells ``predicate(cell)`` accepts."""
        if not self.census_samples:
            return 0.0
        total = sum(c.thread_samples for c in self.census if predicate is None or predicate(c))
        return total / self.census_samples

    def blocked_by_operation(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for cell in self.census:
            if is_blocked_state(cell.state):
                out[cell.operation] = out.get(cell.operation, 0.0) + cell.thread_samples
        n = self.census_samples or 1
        return {op: v / n for op, v in sorted(out.items(), key=lambda kv: -kv[1])}

    def blocked_mean(self) -> float:
        return self.mean_threads(lambda c: is_blocked_state(c.state))

    def blocked_share(self) -> float:
        return self.blocked_mean() / self.threads if self.threads else 0.0

    def state_means(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for cell in self.census:
            out[cell.state] = out.get(cell.state, 0.0) + cell.thread_samples
        n = self.census_samples or 1
        return {k: v / n for k, v in out.items()}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = PROFILE_KIND
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "profile") -> Profile:
        if data.get("kind") != PROFILE_KIND:
            raise ProfileFormatError(f"{source}: not an lsim profile (no kind={PROFILE_KIND!r})")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            newer = isinstance(version, int) and version > FORMAT_VERSION
            hint = "upgrade lsim" if newer else "re-run the experiment with this lsim"
            raise ProfileFormatError(
                f"{source}: profile format version {version!r}, this lsim reads version "
                f"{FORMAT_VERSION} ({hint})"
            )
        from lsim.profile.validate import build, check_consistent

        # every field checked by type and range: damage is one line naming the field
        profile: Profile = check_consistent(build(cls, data, source), source)
        return profile


BLOCKED_STATE_NAMES = frozenset({"sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.RWMutex.Lock"})


def is_blocked_state(state: str) -> bool:
    return state in BLOCKED_STATE_NAMES


def profile_json(profile: Profile) -> str:
    return json.dumps(profile.to_dict(), indent=1, sort_keys=True) + "\n"


def save_profile(profile: Profile, path: Path) -> Path:
    """Write ``profile`` to ``path`` whole or not at all (creating its folder)."""
    from lsim.atomicio import OutputError, write_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create {path.parent}: {error.strerror or error}") from None
    return write_atomic(path, profile_json(profile))


MAX_PROFILE_BYTES = 1 << 30  # a profile of 54,000 goroutines is ~10 MB


def load_profile(path: Path) -> Profile:
    """Read a saved profile; any damage is a :class:`ProfileFormatError` naming the field."""
    source = f"profile {path}"
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_PROFILE_BYTES + 1)
    except OSError as error:
        raise ProfileFormatError(f"{source}: cannot read ({error.strerror or error})") from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise ProfileFormatError(f"{source}: larger than {MAX_PROFILE_BYTES >> 20:,} MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProfileFormatError(
            f"{source}: not an lsim profile (not UTF-8 text at byte {error.start:,})"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProfileFormatError(f"{source}: not JSON ({error.msg}, line {error.lineno})") from None
    except RecursionError:
        raise ProfileFormatError(f"{source}: not an lsim profile (JSON nested too deep)") from None
    except ValueError as error:  # e.g. an integer of thousands of digits
        raise ProfileFormatError(f"{source}: not an lsim profile ({error})") from None
    if not isinstance(data, dict):
        raise ProfileFormatError(f"{source}: not an lsim profile (not a JSON object)")
    return Profile.from_dict(data, source=source)
