"""pprof output, decoded by an independent reader (protoread.py) and by ``go tool pprof``."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lsim.profile.model import Profile, is_blocked_state
from lsim.render.gorelease import go119_mutex_delay_ns
from lsim.render.pprof import PprofRenderer
from tests.fixtures.profiles import small_profile
from tests.render.protoread import PprofProfile, read_pprof

SERVICE = "github.com/grafana/alloy/internal/service/labelstore.(*Service)."
# a parked goroutine's leaf is runtime.gopark, then the semaphore frames (Go 1.19's here)
PARKED_UNDER = ("runtime.gopark", "runtime.goparkunlock", "runtime.semacquire1")
LOCK_WAIT_LEAVES = {
    "sync.runtime_SemacquireMutex",
    "sync.runtime_SemacquireRWMutex",
    "sync.runtime_SemacquireRWMutexR",
}
# Go's block profile starts at the public lock method (semacquire1 skips the runtime frames)
BLOCK_LEAVES = {"sync.(*Mutex).Lock", "sync.(*RWMutex).RLock", "sync.(*RWMutex).Lock"}


def render(profile: Profile, kind: str, go_version: str = "1.21") -> PprofProfile:
    data = PprofRenderer(kind=kind, go_version=go_version).render(profile)
    assert isinstance(data, bytes) and data[:2] == b"\x1f\x8b"  # gzip magic
    return read_pprof(data)


def check_structure(pp: PprofProfile, profile: Profile) -> None:
    assert pp.strings[0] == ""
    assert len(set(pp.strings)) == len(pp.strings)  # interned once each
    assert pp.mappings and all(start < limit for start, limit, _ in pp.mappings.values())
    assert 0 not in pp.locations and 0 not in pp.functions
    for mapping_id, address, lines in pp.locations.values():
        start, limit, _ = pp.mappings[mapping_id]
        assert start <= address < limit
        assert lines and all(fn in pp.functions and line > 0 for fn, line in lines)
    for name, system_name, file in pp.functions.values():
        assert name and name == system_name and file.endswith(".go")
    for location_ids, values, _ in pp.samples:
        assert location_ids and all(loc in pp.locations for loc in location_ids)
        assert len(values) == len(pp.sample_types)
    assert pp.period == 1
    assert pp.duration_nanos == int(profile.duration_s * 1e9)
    assert pp.time_nanos == 1735787045 * 10**9  # fixture created 2025-01-02T03:04:05Z
    assert pp.comments and profile.command in pp.comments[0]


def test_block_profile_charges_waiters(any_profile: Profile) -> None:
    pp = render(any_profile, "block")
    check_structure(pp, any_profile)
    assert pp.sample_types == [("contentions", "count"), ("delay", "nanoseconds")]
    assert pp.period_type == ("contentions", "count")
    assert sum(v[0] for _, v, _ in pp.samples) == sum(lk.contended for lk in any_profile.locks)
    assert sum(v[1] for _, v, _ in pp.samples) == sum(lk.wait_total_ns for lk in any_profile.locks)
    for location_ids, _, labels in pp.samples:
        stack = pp.stack(location_ids)
        assert stack[0] in BLOCK_LEAVES
        assert SERVICE + labels["operation"] in stack  # the WAITER's operation


def test_mutex_profile_charges_unlockers(any_profile: Profile) -> None:
    pp = render(any_profile, "mutex", "1.27")  # >= 1.22: every queued waiter's delay
    check_structure(pp, any_profile)
    assert pp.sample_types == [("contentions", "count"), ("delay", "nanoseconds")]
    assert sum(v[1] for _, v, _ in pp.samples) == sum(
        ns for lk in any_profile.locks for _, ns in lk.delay_by_unlocker.values()
    )
    per_op: dict[str, int] = {}
    for location_ids, values, labels in pp.samples:
        stack = pp.stack(location_ids)
        assert stack[0] in {
            "sync.(*Mutex).Unlock",
            "sync.(*RWMutex).Unlock",
            "sync.(*RWMutex).RUnlock",
        }
        assert SERVICE + labels["operation"] in stack
        per_op[labels["operation"]] = per_op.get(labels["operation"], 0) + values[1]
    expected: dict[str, int] = {}
    for lk in any_profile.locks:
        for op, (_, ns) in lk.delay_by_unlocker.items():
            expected[op] = expected.get(op, 0) + ns
    assert per_op == expected


@pytest.mark.parametrize("go_version", ["1.19", "1.21"])
def test_old_mutex_profile_charges_about_one_hold_per_wakeup(
    any_profile: Profile, go_version: str
) -> None:
    """Before Go 1.22 the mutex profile's delay tiles the contended time (gorelease doc)."""
    pp = render(any_profile, "mutex", go_version)
    total = sum(v[1] for _, v, _ in pp.samples)
    expected = sum(
        go119_mutex_delay_ns(lk.wait_total_ns, any_profile.duration_s) for lk in any_profile.locks
    )
    assert abs(total - expected) <= len(pp.samples)  # per-sample rounding only
    assert total <= len(any_profile.locks) * any_profile.duration_s * 1e9
    assert sum(v[0] for _, v, _ in pp.samples) == sum(
        c for lk in any_profile.locks for c, _ in lk.delay_by_unlocker.values()
    )


def test_go119_mutex_delay_is_the_wait_when_light_and_the_window_when_deep() -> None:
    assert go119_mutex_delay_ns(1_000, 10.0) == 1_000  # one short wait in 10 s
    deep = go119_mutex_delay_ns(5_644 * 10**9, 3.0)  # 5,644 s of waits in a 3 s window
    assert 2.99e9 < deep <= 3e9
    assert go119_mutex_delay_ns(0, 3.0) == 0


def test_goroutine_profile_counts_threads(any_profile: Profile) -> None:
    pp = render(any_profile, "goroutine", "1.19")
    check_structure(pp, any_profile)
    assert pp.sample_types == [("goroutine", "count")]
    # every thread, and the goroutine writing the profile (as Go's goroutine profile has it)
    assert sum(v[0] for _, v, _ in pp.samples) == any_profile.threads + 1
    writer = [
        ids for ids, _, _ in pp.samples if "runtime/pprof.writeRuntimeProfile" in pp.stack(ids)
    ]
    assert len(writer) == 1
    blocked = sum(v[0] for _, v, labels in pp.samples if is_blocked_state(labels["state"]))
    assert abs(blocked - any_profile.blocked_mean()) < 1
    for location_ids, values, labels in pp.samples:
        assert values[0] > 0
        if location_ids in writer:
            continue
        cell = next(
            c
            for c in any_profile.census
            if c.state == labels["state"]
            and c.operation == labels.get("operation", "")
            and c.lock == labels.get("lock", "")
        )
        assert abs(values[0] - cell.thread_samples / any_profile.census_samples) < 1
        if is_blocked_state(labels["state"]):
            stack = pp.stack(location_ids)
            assert tuple(stack[:3]) == PARKED_UNDER and stack[3] in LOCK_WAIT_LEAVES


def test_output_is_deterministic_and_gzip_has_no_timestamp(mutex_profile: Profile) -> None:
    renderer = PprofRenderer()
    first = renderer.render(mutex_profile)
    assert first == renderer.render(mutex_profile)
    assert isinstance(first, bytes) and first[4:8] == b"\0\0\0\0"  # gzip MTIME field
    assert gzip.decompress(first)


GO = shutil.which("go")


@pytest.mark.skipif(
    GO is None,
    reason="go is not installed (apt-get install golang-go); "
    "the reader-based tests above still check the format",
)
@pytest.mark.parametrize(
    ("store", "kind", "top"),
    [
        ("mutex", "block", "sync.(*Mutex).Lock"),
        ("mutex", "mutex", "sync.(*Mutex).Unlock"),
        ("mutex", "goroutine", "runtime.gopark"),
        ("sharded", "block", "sync.(*Mutex).Lock"),
        ("rwmutex", "block", "sync.(*RWMutex).Lock"),
    ],
)
def test_go_tool_pprof_top(store: str, kind: str, top: str, tmp_path: Path) -> None:
    path = tmp_path / f"{store}-{kind}.pb.gz"
    path.write_bytes(PprofRenderer(kind=kind).render(small_profile(store)))
    env = {**os.environ, "HOME": str(tmp_path), "PPROF_TMPDIR": str(tmp_path)}
    result = subprocess.run(
        [str(GO), "tool", "pprof", "-top", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.strip().startswith("flat"))
    # "(inline)": the lock frame shares the store frame's location, as in Go's profiles
    rows = [line.split()[5] for line in lines[header + 1 :] if line.strip()]
    assert rows[0] == top, result.stdout
    if kind in ("block", "mutex") and top.startswith("sync.(*Mutex)"):
        assert lines[header + 1].endswith(f"{top} (inline)"), result.stdout
    assert SERVICE + "GetOrAddGlobalRefID" in rows
    if kind != "mutex":
        assert {"sync.(*Mutex).Lock", "sync.(*RWMutex).Lock"} & set(rows)
