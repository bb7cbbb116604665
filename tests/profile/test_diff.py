"""diff_profiles on two made-up profiles (mutex vs sharded, and edge cases)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

# tests.fixtures must be importable (see tests/render/conftest.py for why)
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from lsim.profile.diff import Change, diff_profiles, lock_group_name, lock_role  # noqa: E402
from lsim.profile.model import LockReport, OperationReport  # noqa: E402
from tests.fixtures.profiles import small_profile  # noqa: E402


def test_mutex_vs_sharded_numbers() -> None:
    before, after = small_profile("mutex"), small_profile("sharded")
    d = diff_profiles(before, after)
    assert d.blocked_total.before == pytest.approx(9.3)
    assert d.blocked_total.after == pytest.approx(2.6)
    assert d.blocked_share.after == pytest.approx(2.6 / 12)
    assert d.throughput.ratio == pytest.approx(2.4)
    ops = {o.operation: o for o in d.operations}
    goa = ops["GetOrAddGlobalRefID"].blocked
    assert goa.before == pytest.approx(4.8)
    assert goa.after == pytest.approx(1.5)
    assert ops["GetOrAddGlobalRefID"].blocked.percent == pytest.approx((1.5 / 4.8 - 1) * 100)
    # TrackStaleness waits only in the mutex profile
    assert ops["TrackStaleness"].blocked.after == 0.0
    assert d.operations[0].operation == "GetOrAddGlobalRefID"  # most blocked first
    assert d.notes == ["regime changed: saturated -> below-saturation"]
    assert d.before_label.startswith("mutex (threads, alloy-relabel-rw1, 12 threads")
    assert d.after_label.startswith("sharded shards=4 (")


def test_shard_locks_are_summed_against_the_single_mutex() -> None:
    before, after = small_profile("mutex"), small_profile("sharded")
    (lock,) = diff_profiles(before, after).locks
    assert (lock.role, lock.mode) == ("labelstore.Service.mut", "write")
    assert (lock.locks_before, lock.locks_after) == (1, 4)
    assert lock.wait_total_ns.before == before.locks[0].wait_total_ns
    assert lock.wait_total_ns.after == sum(lk.wait_total_ns for lk in after.locks)
    assert lock.acquisitions.after == sum(lk.acquisitions for lk in after.locks)
    contended = sum(lk.contended for lk in after.locks)
    assert lock.contended_share.after == pytest.approx(contended / lock.acquisitions.after)


def test_rwmutex_read_side_has_no_counterpart() -> None:
    d = diff_profiles(small_profile("mutex"), small_profile("rwmutex"))
    by_mode = {lk.mode: lk for lk in d.locks}
    assert by_mode["write"].locks_before == by_mode["write"].locks_after == 1
    read = by_mode["read"]
    assert read.locks_before == 0 and read.wait_total_ns.before is None
    assert read.wait_total_ns.delta is None and read.wait_total_ns.percent is None


def test_mismatched_runs_are_flagged() -> None:
    before = small_profile("mutex")
    after = replace(small_profile("mutex"), threads=24, workload_name="other", regime="x")
    notes = " | ".join(diff_profiles(before, after).notes)
    assert "different workloads" in notes
    assert "different thread counts (12 vs 24)" in notes
    assert "regime changed: saturated -> x" in notes


def test_operation_on_one_side_only() -> None:
    before = small_profile("mutex")
    extra = OperationReport("Collect", 10, 5.0, 1000, 2000, 3000)
    after = replace(small_profile("mutex"), operations=[*before.operations, extra])
    ops = {o.operation: o for o in diff_profiles(before, after).operations}
    assert ops["Collect"].ops_per_s == Change(None, 5.0)
    assert ops["Collect"].ops_per_s.ratio is None
    assert ops["GetLocalRefID"].ops_per_s.ratio == pytest.approx(1.0)


def test_lock_names_and_roles() -> None:
    assert lock_group_name("labelstore.shard[12].mut") == "labelstore.shard[*].mut"
    assert lock_role("labelstore.shard[12].mut") == "labelstore.Service.mut"
    assert lock_role("labelstore.ShardedService.shards[3].mut") == "labelstore.Service.mut"
    assert lock_role("labelstore.Service.globalMut") == "labelstore.Service.globalMut"
    assert lock_role("labelstore.mapping[component_0].mu") == "labelstore.mapping[*].mu"
    assert lock_role("labelstore.hardshard[1].x") == "labelstore.hardshard[*].x"


def test_unmatched_lock_names_stay_apart() -> None:
    before = small_profile("mutex")
    other = LockReport("labelstore.Service.globalMut", "rwmutex", "write", 10, 1, 5, 5, 0, [])
    after = replace(small_profile("mutex"), locks=[other])
    d = diff_profiles(before, after)
    roles = {lk.role: lk for lk in d.locks}
    assert roles["labelstore.Service.mut"].locks_after == 0
    assert roles["labelstore.Service.globalMut"].locks_before == 0


def test_change_arithmetic() -> None:
    assert Change(2.0, 3.0).delta == 1.0
    assert Change(2.0, 3.0).ratio == 1.5
    assert Change(2.0, 3.0).percent == pytest.approx(50.0)
    assert Change(0.0, 3.0).ratio is None
    assert Change(None, 3.0).delta is None
