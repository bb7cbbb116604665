"""The runtime costs of this machine, measured with real Go (``calib/``, standard library).

The program is built like the go engine's (``lsim.engine.go.toolchain``: the local
toolchain, offline, cached by source digest and Go version) and prints one JSON object of
figures; :func:`runtime_costs` turns them into model costs, each with the sentence that says
how it was measured.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsim.errors import IntegrationError

CALIB_DIR = Path(__file__).with_name("calib")
RUN_TIMEOUT_S = 300


@dataclass(frozen=True)
class Measured:
    """Model costs (name -> ns), where each came from, and the program's raw figures."""

    costs: dict[str, float]
    sources: dict[str, str]
    raw: dict[str, Any]


def _digest() -> str:
    h = hashlib.sha256()
    for path in sorted(CALIB_DIR.iterdir()):
        if path.suffix in {".go", ".s", ".mod"}:
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def build() -> tuple[Path, str]:
    """The calibration program (built once per source and Go version) and the Go version."""
    from lsim.engine.go.toolchain import cache_root, find_toolchain, go_env

    chain = find_toolchain()
    folder = cache_root() / "calib" / f"{_digest()}-{chain.version}"
    binary = folder / "lsimcalib"
    if binary.is_file():
        return binary, chain.version
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".lsimcalib.", dir=folder)
    os.close(fd)
    try:
        cmd = [chain.go, "build", "-trimpath", "-o", tmp, "."]
        done = subprocess.run(
            cmd, cwd=CALIB_DIR, capture_output=True, text=True, timeout=600, env=go_env()
        )
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()[:12]
            raise IntegrationError("building lsim's calibration program failed:\n"
                                   + "\n".join(lines))  # fmt: skip
        os.chmod(tmp, 0o755)
        os.replace(tmp, binary)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return binary, chain.version


def run_program(quick: bool = False) -> dict[str, Any]:
    binary, _ = build()
    args = [str(binary), *(["-quick"] if quick else [])]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise IntegrationError(f"the calibration program ran over {RUN_TIMEOUT_S} s") from None
    if done.returncode != 0:
        raise IntegrationError(f"the calibration program failed: {done.stderr.strip()[:300]}")
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def fit_map_misses(points: list[tuple[int, float]]) -> tuple[float, float]:
    """``(miss_ns, cached)`` of the curve ``t(n) = t(smallest) + miss_ns x max(0, 1 -
    cached / n)`` closest (least squares) to ``points`` (map entries, ns per lookup):
    the cache keeps ``cached`` entries, an access beyond them waits ``miss_ns`` for memory
    (``far.py``). ``cached`` is searched on a grid of 1/16 octaves; ``miss_ns`` is then
    the least-squares slope. (0, the largest size) when no size costs more than the first."""
    points = sorted(points)
    base = points[0][1]
    best = (float("inf"), 0.0, float(points[-1][0]))
    lo, hi = points[0][0], points[-1][0]
    steps = max(1, round(16 * math.log2(hi / lo)))
    for i in range(steps + 1):
        cached = lo * 2 ** (i / 16)
        f = [max(0.0, 1.0 - cached / n) for n, _ in points]
        ff = sum(x * x for x in f)
        if ff == 0:
            continue
        miss = max(0.0, sum(x * (t - base) for x, (_, t) in zip(f, points, strict=True)) / ff)
        sse = sum((t - base - miss * x) ** 2 for x, (_, t) in zip(f, points, strict=True))
        if sse < best[0]:
            best = (sse, miss, cached)
    _, miss, cached = best
    return (0.0, float(hi)) if miss <= 0 else (miss, cached)


KNEE_STEPS = 8  # the two-knee fit searches the cache sizes on a grid of 1/8 octaves


def fit_two_knees(points: list[tuple[int, float]]) -> tuple[float, float, float, float]:
    """``(near_ns, near_cached, far_ns, far_cached)`` of the curve ``t(n) = base + near_ns x
    max(0, 1 - near_cached / n) + far_ns x max(0, 1 - far_cached / n)`` closest (least
    squares, both slopes >= 0) to ``points`` (ring size, ns per switch): two cache levels,
    each holding the working sets of so many goroutines (``resume.py``). ``base`` is the warm
    switch (already ``park_unpark_ns``): the median of the points up to 8 times the smallest
    size, so that one slow round there does not tilt the curve. A curve with one knee gives
    ``far_ns`` 0; a flat one gives all four 0."""
    points = sorted(points)
    base = statistics.median(t for n, t in points if n <= 8 * points[0][0])
    ys = [t - base for _, t in points]
    lo, hi = points[0][0], points[-1][0]
    grid = [lo * 2 ** (i / KNEE_STEPS)
            for i in range(max(1, round(KNEE_STEPS * math.log2(hi / lo))) + 1)]  # fmt: skip
    ramps = [[max(0.0, 1.0 - c / n) for n, _ in points] for c in grid]
    best = (sum(y * y for y in ys), 0.0, 0.0, 0.0, 0.0)
    for i, f in enumerate(ramps):
        ff = sum(x * x for x in f)
        if ff == 0:
            continue
        fy = sum(x * y for x, y in zip(f, ys, strict=True))
        a = max(0.0, fy / ff)
        sse = sum((y - a * x) ** 2 for x, y in zip(f, ys, strict=True))
        if sse < best[0]:
            best = (sse, a, grid[i], 0.0, 0.0)
        for j in range(i + 1, len(grid)):
            g = ramps[j]
            gg = sum(x * x for x in g)
            fg = sum(x * z for x, z in zip(f, g, strict=True))
            det = ff * gg - fg * fg
            if gg == 0 or det <= 1e-12 * ff * gg:
                continue
            gy = sum(x * y for x, y in zip(g, ys, strict=True))
            a, b = (fy * gg - gy * fg) / det, (ff * gy - fg * fy) / det
            if a <= 0 or b <= 0:  # not two caches: the one-knee fits cover it
                continue
            sse = sum((y - a * x - b * z) ** 2 for x, z, y in zip(f, g, ys, strict=True))
            if sse < best[0]:
                best = (sse, a, grid[i], b, grid[j])
    _, near, near_c, far, far_c = best
    if near <= 0:
        return 0.0, 0.0, 0.0, 0.0
    return near, near_c, far, far_c if far > 0 else 0.0


def runtime_costs(raw: dict[str, Any]) -> Measured:
    """Model costs from the program's figures (``calib/main.go`` says what each one times)."""
    fig: dict[str, dict[str, float]] = raw["figures"]
    go = raw.get("go_version", "Go")
    costs: dict[str, float] = {}
    sources: dict[str, str] = {}

    def put(name: str, value: float, how: str) -> None:
        costs[name] = round(max(0.0, value), 1)
        sources[name] = f"{how} ({go}, this machine)"

    def best(key: str) -> float:
        return fig[key]["min"]

    def typical(key: str) -> float:
        return fig[key]["median"]

    exact = raw.get("pause_exact", True)
    put("spin_ns", best("spin_ns"), "procyield(30): 30 PAUSE, best of 80 rounds"
        + ("" if exact else "; no assembly for this CPU, a plain loop instead: rough"))  # fmt: skip
    put(
        "lock_uncontended_ns",
        best("lock_ns"),
        "sync.Mutex Lock+Unlock, one goroutine, best of 80 rounds",
    )
    # half of an uncontended Lock+Unlock is one atomic RMW on a local line
    put("atomic_ns", best("lock_ns") / 2, "half of an uncontended Lock+Unlock (one atomic RMW)")
    put("park_unpark_ns", best("switch_ns"),
        "channel ping-pong at GOMAXPROCS=1, per hop, best of 80 rounds")  # fmt: skip
    put(
        "map_hit_ns",
        best("map_hit_ns"),
        "map[uint64]uint64 hit, 10,000 entries, best of 80 rounds",
    )
    put("map_insert_ns", best("map_insert_ns"),
        "delete+insert in a warm 20,000-entry map, per op, best of 80 rounds")  # fmt: skip
    put(
        "spawn_ns",
        best("spawn_ns"),
        "wg.Add(1) + go statement at GOMAXPROCS=1, best of 80 rounds",
    )
    put("exit_ns", best("spawn_whole_ns") - best("spawn_ns") - best("switch_ns"),
        "a spawned goroutine's whole cost (wg.Done, exit, switch) minus the spawn and one "
        "switch, GOMAXPROCS=1")  # fmt: skip
    put("steal_backoff_ns", typical("steal_backoff_ns"), "usleep(3) (runqgrab's back-off), p50")
    if fig.get("line_transfer_ns", {}).get("n"):  # rounds with the two on different cores
        # p10, not the minimum: a round is the difference of two walks, noisy both ways
        put(
            "line_transfer_ns",
            fig["line_transfer_ns"]["p10"],
            "an atomic add on a line the other core wrote last minus one on a line of its own, "
            "a dependent chain over 4,096 lines, threads pinned to two CPUs, p10 of rounds",
        )
        put(
            "cas_retry_ns",
            fig["line_transfer_ns"]["p10"],
            "one failed CAS round while the line is on another core: one line transfer",
        )
    chain = raw.get("map_chain") or []
    if len(chain) >= 3:
        miss, cached = fit_map_misses([(p["entries"], p["ns"]["min"]) for p in chain])
        sizes = f"{chain[0]['entries']:,} to {chain[-1]['entries']:,} entries"
        how = (
            f"a random cycle chased through a map[uint64]uint64 at {sizes} (best of rounds), "
            "fitted to smallest + map_miss_ns x (1 - map_cached_entries / entries)"
        )
        put("map_miss_ns", miss, how)
        costs["map_cached_entries"] = float(round(cached))
        sources["map_cached_entries"] = f"{how} ({go}, this machine)"
    ring = raw.get("switch_ring") or []
    if len(ring) >= 4:
        fitted = fit_two_knees([(p["goroutines"], p["ns"]["min"]) for p in ring])
        sizes = f"{ring[0]['goroutines']:,} to {ring[-1]['goroutines']:,} goroutines"
        how = (
            f"a ring of {sizes} parked in sync.Mutex.Lock, each unlocking the next, at "
            "GOMAXPROCS=1 (best of rounds), fitted to warm + near x (1 - near_goroutines "
            "/ n) + far x (1 - far_goroutines / n)"
        )
        names = ("resume_near_ns", "resume_near_goroutines", "resume_far_ns",
                 "resume_far_goroutines")  # fmt: skip
        for name, value in zip(names, fitted, strict=True):
            costs[name] = round(value, 1) if name.endswith("_ns") else float(round(value))
            sources[name] = f"{how} ({go}, this machine)"
    if "send_parked_idle_p_ns" in fig:
        put("futex_wake_ns", typical("send_parked_idle_p_ns") - typical("send_parked_p1_ns"),
            "send to a parked receiver with the other P idle (wakep: futex wake) minus the "
            "same send with no P to wake, p50")  # fmt: skip
        put("wakep_ns", typical("wakep_ns"),
            "wakep until the woken M has stolen and run the goroutine, p50")  # fmt: skip
    return Measured(costs, sources, raw)
