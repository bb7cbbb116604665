"""The Go frames around the store's own frames: runtime lock frames and Alloy's callers.

The store frames come from ``Profile.stacks``; what sits above them (the ``sync`` runtime
frames of a lock wait) and below them (Prometheus' scrape loop, Alloy's fanout, relabel and
remote-write appenders) is fixed here, so every renderer shows the same plausible stacks and
golden files stay stable. Line numbers follow Go 1.21 / Prometheus v0.54 / Alloy v1.5 closely
enough to look right; they are not meant to be clicked through.
"""

from __future__ import annotations

from dataclasses import dataclass

GOROOT = "/usr/local/go/src"
ALLOY_MODULE = "github.com/grafana/alloy"
ALLOY_ROOT = "/src/alloy"  # where Alloy's release Dockerfile builds from
MODULE_VERSIONS = {  # module cache paths carry the version, as in real dumps
    "github.com/prometheus/prometheus": "v0.54.1",
    "github.com/prometheus/client_golang": "v1.20.5",
}
PROM = "github.com/prometheus/prometheus"
ALLOY_PROM = f"{ALLOY_MODULE}/internal/component/prometheus"


@dataclass(frozen=True, slots=True)
class Frame:
    """One Go frame: function in Go's printed form, absolute file path, line; ``offset`` is
    the return address's ``+0x..`` in the function where the real binary's is known (0:
    drawn from a stable hash of the call site)."""

    function: str
    file: str
    line: int
    offset: int = 0


def package_of(function: str) -> str:
    """``a/b/pkg.(*T).M`` -> ``a/b/pkg``: the dot after the last slash ends the package."""
    slash = function.rfind("/")
    dot = function.find(".", slash + 1)
    return function[:dot] if dot > 0 else function


def source_path(package: str, file: str) -> str:
    """The absolute path a Go binary records for ``file`` of ``package``."""
    if file.startswith("/"):
        return file
    if package == ALLOY_MODULE or package.startswith(ALLOY_MODULE + "/"):
        return f"{ALLOY_ROOT}{package[len(ALLOY_MODULE) :]}/{file}"
    first = package.split("/", 1)[0]
    if "." not in first:  # standard library: no domain in the import path
        return f"{GOROOT}/{package}/{file}"
    parts = package.split("/")
    module = "/".join(parts[:3])
    rest = "/".join(parts[3:])
    version = MODULE_VERSIONS.get(module, "v0.0.0")
    return "/".join(p for p in (f"/go/pkg/mod/{module}@{version}", rest, file) if p)


def frame(function: str, file: str, line: int) -> Frame:
    """A frame whose ``file`` is relative to its package directory (or GOROOT/src for
    runtime files that implement another package, like ``sync.runtime_SemacquireMutex``)."""
    if "/" in file and not file.startswith("/"):
        return Frame(function, f"{GOROOT}/{file}", line)
    return Frame(function, source_path(package_of(function), file), line)


# --- runtime frames, leaf first ------------------------------------------------------------
# Go 1.20-1.23 (unchecked line numbers); Go 1.19, 1.25 and 1.26 are in gorelease.py.
LOCK_WAIT_FRAMES: dict[tuple[str, bool], list[Frame]] = {
    ("sync.Mutex.Lock", True): [
        frame("sync.runtime_SemacquireMutex", "runtime/sema.go", 77),
        frame("sync.(*Mutex).lockSlow", "mutex.go", 171),
        frame("sync.(*Mutex).Lock", "mutex.go", 90),
    ],
    ("sync.RWMutex.RLock", True): [
        frame("sync.runtime_SemacquireRWMutexR", "runtime/sema.go", 82),
        frame("sync.(*RWMutex).RLock", "rwmutex.go", 71),
    ],
    ("sync.RWMutex.Lock", True): [
        frame("sync.runtime_SemacquireRWMutex", "runtime/sema.go", 87),
        frame("sync.(*RWMutex).Lock", "rwmutex.go", 153),
    ],
}

_SEMRELEASE = frame("sync.runtime_Semrelease", "runtime/sema.go", 87)
# (lock kind, mode) -> unlock path, leaf first; the last frame is the public method, which
# is the frame Go's mutex profile charges the delay to.
UNLOCK_FRAMES: dict[tuple[str, str], list[Frame]] = {
    ("mutex", "write"): [
        _SEMRELEASE,
        frame("sync.(*Mutex).unlockSlow", "mutex.go", 246),
        frame("sync.(*Mutex).Unlock", "mutex.go", 223),
    ],
    ("rwmutex", "write"): [_SEMRELEASE, frame("sync.(*RWMutex).Unlock", "rwmutex.go", 209)],
    ("rwmutex", "read"): [
        _SEMRELEASE,
        frame("sync.(*RWMutex).rUnlockSlow", "rwmutex.go", 130),
        frame("sync.(*RWMutex).RUnlock", "rwmutex.go", 113),
    ],
}


# --- caller frames, OUTERMOST first (reversed by stacks.py) --------------------------------
_LOOP = [
    frame(f"{PROM}/scrape.(*scrapeLoop).run", "scrape.go", 1272),
    frame(f"{PROM}/scrape.(*scrapeLoop).scrapeAndReport", "scrape.go", 1386),
]
_APPEND = [
    *_LOOP,
    frame(f"{PROM}/scrape.(*scrapeLoop).append", "scrape.go", 1747),
    frame(f"{PROM}/scrape.(*timeLimitAppender).Append", "target.go", 370),
    frame(f"{ALLOY_PROM}.(*appender).Append", "fanout.go", 157),
    frame(f"{ALLOY_PROM}.(*interceptappender).Append", "interceptor.go", 125),
]
_RELABEL_HOOK = f"{ALLOY_PROM}/relabel.New.func1"
_TO_REMOTE_WRITE = [  # relabel passes the sample on through its fanout to remote_write
    *_APPEND,
    frame(_RELABEL_HOOK, "relabel.go", 151),
    frame(f"{ALLOY_PROM}.(*appender).Append", "fanout.go", 157),
    frame(f"{ALLOY_PROM}.(*interceptappender).Append", "interceptor.go", 125),
]
_RW_HOOK = f"{ALLOY_PROM}/remotewrite.New.func2"
_MAPPING_FILE = "seriesrefmapping.go"
_MAPPING_APPEND = f"{ALLOY_PROM}/appenders.(*seriesRefMapping).appendToChildren"
_TO_MAPPING = [  # direct fanout: relabel's Fanout appender is a seriesRefMapping
    *_APPEND,
    frame(_RELABEL_HOOK, "relabel.go", 205),
    frame(f"{ALLOY_PROM}/appenders.(*seriesRefMapping).Append", _MAPPING_FILE, 106),
]

CALLERS: dict[str, list[Frame]] = {
    "GetOrAddGlobalRefID": [
        *_APPEND,
        frame(_RELABEL_HOOK, "relabel.go", 141),
        frame(f"{ALLOY_PROM}/relabel.(*Component).relabel", "relabel.go", 262),
    ],
    "GetLocalRefID": [*_TO_REMOTE_WRITE, frame(_RW_HOOK, "remote_write.go", 143)],
    "GetOrAddLink": [*_TO_REMOTE_WRITE, frame(_RW_HOOK, "remote_write.go", 152)],
    "AddLocalLink": [*_TO_REMOTE_WRITE, frame(_RW_HOOK, "remote_write.go", 155)],
    "ReplaceLocalLink": [*_TO_REMOTE_WRITE, frame(_RW_HOOK, "remote_write.go", 158)],
    "TrackStaleness": [
        *_LOOP,
        frame(f"{PROM}/scrape.(*scrapeLoop).scrapeAndReport.func1", "scrape.go", 1344),
        frame(f"{ALLOY_PROM}.(*appender).Commit", "fanout.go", 201),
    ],
    "CheckAndRemoveStaleMarkers": [
        frame(f"{ALLOY_MODULE}/internal/service/labelstore.(*Service).Run", "service.go", 96),
    ],
    # directfanout: the relabel stage's Fanout with 2+ children maps refs itself
    "GetMapping": [*_TO_MAPPING, frame(_MAPPING_APPEND, _MAPPING_FILE, 155)],
    "CreateMapping": [*_TO_MAPPING, frame(_MAPPING_APPEND, _MAPPING_FILE, 214)],
    "UpdateMapping": [*_TO_MAPPING, frame(_MAPPING_APPEND, _MAPPING_FILE, 183)],
    "TrackAppendedSeries": [
        *_LOOP,
        frame(f"{PROM}/scrape.(*scrapeLoop).scrapeAndReport.func1", "scrape.go", 1344),
        frame(f"{ALLOY_PROM}/appenders.(*seriesRefMapping).Commit", _MAPPING_FILE, 62),
    ],
    "cleanupStaleRefs": [],  # the goroutine's own function is its only frame (see CREATORS)
    "Collect": [
        frame(
            "github.com/prometheus/client_golang/prometheus.(*Registry).Gather.func1",
            "registry.go",
            457,
        ),
    ],
    # outside the store: the WAL append that follows GetLocalRefID, and the wait for the
    # next scrape (scrapeLoop.run's select on its ticker: the runtime's frames go on top)
    "": [
        *_TO_REMOTE_WRITE,
        frame(_RW_HOOK, "remote_write.go", 147),
        frame(f"{PROM}/tsdb/agent.(*appender).Append", "db.go", 790),
    ],
    "<wait>": [frame(f"{PROM}/scrape.(*scrapeLoop).run", "scrape.go", 1290)],
}


@dataclass(frozen=True, slots=True)
class Creator:
    """``created by FUNCTION in goroutine PARENT`` and its file line."""

    frame: Frame
    parent: int


SCRAPE_POOL_GOROUTINE = 211
_SCRAPE_CREATOR = Creator(
    frame(f"{PROM}/scrape.(*scrapePool).sync", "scrape.go", 683), SCRAPE_POOL_GOROUTINE
)
CREATORS: dict[str, Creator] = {
    "cleanupStaleRefs": Creator(  # started by the first CreateMapping (startRefCleanup.Do)
        frame(
            f"{ALLOY_PROM}/appenders.(*SeriesRefMappingStore).CreateMapping.func1",
            "seriesrefmapping.go",
            352,
        ),
        SCRAPE_POOL_GOROUTINE + 1,
    ),  # fmt: skip
    "CheckAndRemoveStaleMarkers": Creator(
        frame(f"{ALLOY_MODULE}/internal/alloycli.(*alloyRun).Run.func5", "cmd_run.go", 375), 1
    ),
    "Collect": Creator(
        frame(
            "github.com/prometheus/client_golang/prometheus.(*Registry).Gather", "registry.go", 547
        ),
        305,
    ),
}


def creator_for(operation: str) -> Creator:
    return CREATORS.get(operation, _SCRAPE_CREATOR)
