"""The profile builder's steps, each on hand-made records (``lsim.engine.build``)."""

from __future__ import annotations

import dataclasses

import pytest

from lsim.engine import build
from lsim.engine.latency import GO_LOG_LINEAR, HDR
from lsim.engine.record import BlockProfile, RunRecord
from lsim.errors import RunFailed
from lsim.profile.model import Profile, profile_json
from tests.engine.records import record


def test_identity_says_what_ran_with_the_workload_as_it_ran() -> None:
    got = build.identity(record(store="sharded", store_options={"shards": 4}), {})
    assert (got["engine"], got["store"], got["store_options"]) == ("fake", "sharded", {"shards": 4})
    assert got["seed"] == 11 and got["threads"] == 3 and got["duration_s"] == 2.0
    assert got["workload"]["threads"]["count"] == 3
    assert got["machine"] == {"engine": "fake", "cpus": 2}


def test_census_step_copies_the_aggregate_and_the_sampler() -> None:
    got = build.census(record(), {})
    assert got["census_samples"] == 2 and got["census_rate_hz"] == 100.0
    assert [c.thread_samples for c in got["census"]] == [1, 3, 2]
    assert got["blocked_per_sample"] == [1, 2]
    assert got["sampler"]["observer"] == "a test"


def test_operations_busiest_first_with_each_engines_precision() -> None:
    got = build.operations(record(), {})
    reports = got["operations"]
    assert [r.operation for r in reports] == ["GetOrAddGlobalRefID", "GetLocalRefID"]
    engine_own, hdr = reports
    assert (engine_own.p50_ns, engine_own.p99_ns) == (2_000, 8_000)
    assert engine_own.latency_precision == GO_LOG_LINEAR.text and not engine_own.latency_hdr
    # raw latencies: percentiles from an HDR histogram of them, never above the maximum
    assert hdr.p50_ns == hdr.p99_ns == 1_000 and hdr.latency_hdr
    assert hdr.latency_precision == HDR.text
    assert got["total_ops"] == 40 and got["ops_per_s"] == 20.0
    assert got["thread_ops"] == [10, 15, 15]


def test_operations_of_an_empty_window_have_no_rate() -> None:
    got = build.operations(record(window_s=0.0), {})
    assert got["ops_per_s"] == 0.0 and all(r.ops_per_s == 0.0 for r in got["operations"])


def test_timings_add_the_window_the_run_and_burst_iterations() -> None:
    got = build.timings(record(iterations_ns=[3e6, 1e6, 2e6]), {})["timings"]
    assert got["setup_s"] == 0.5 and got["window_s"] == 2.0 and got["wall_s"] == 3.5
    assert got["iterations"] == 3.0 and got["iteration_ns_median"] == 2e6
    assert "iterations" not in build.timings(record(), {})["timings"]


def test_littles_law_compares_the_census_with_the_block_profile() -> None:
    r = record(block_profile=BlockProfile(store_wait_ns=3e9, window_s=2.0))
    fields = build.census(r, {})
    law = build.littles_law(r, fields)["integrations"]["littles_law"]
    # census: 3 blocked thread-samples over 2 samples; profile: 3 s of waits over 2 s
    assert law == {"census_blocked_mean": 1.5, "block_profile_blocked_mean": 1.5, "ratio": 1.0}
    assert "littles_law" not in build.littles_law(record(), fields)["integrations"]


def test_notes_put_an_interruption_and_a_failure_first() -> None:
    r = record(interrupted="cut short (a test)", failure="worker 2: boom")
    got = build.notes(r, {"integrations": {}})["notes"]
    assert got == ["interrupted: cut short (a test)", "failed: worker 2: boom",
                   "fake engine: made by hand"]  # fmt: skip
    law = {"census_blocked_mean": 1.0, "block_profile_blocked_mean": 2.0, "ratio": 0.5}
    with_law = build.notes(record(), {"integrations": {"littles_law": law}})["notes"]
    assert with_law[0] == "fake engine: made by hand" and with_law[1].startswith("Little's law")


def test_each_step_reads_only_what_steps_before_it_made() -> None:
    seen: set[str] = set()

    def spy(step: build.Step) -> build.Step:
        def wrapped(r: RunRecord, fields: build.Fields) -> dict[str, object]:
            assert set(fields) == seen  # pure: it is handed exactly the earlier fields
            out = step(r, fields)
            seen.update(out)
            return out

        return wrapped

    fields = build.profile_fields(record(), tuple(spy(s) for s in build.STEPS))
    assert set(fields) == {f.name for f in dataclasses.fields(Profile)} - {"load", "format_version"}


def test_build_profile_makes_a_profile_that_round_trips() -> None:
    profile = build.build_profile(record())
    assert profile.regime == "below-saturation"
    assert profile.regime_reason == (
        "busiest lock labelstore.Service.mut held 50%, widgets at 25%, 2% of paced batches late"
    )
    assert profile.blocked_mean() == 1.5
    import json

    again = Profile.from_dict(json.loads(profile_json(profile)))
    assert profile_json(again) == profile_json(profile)


def test_a_failure_raises_run_failed_holding_the_profile() -> None:
    with pytest.raises(RunFailed, match="the run failed: worker 2: boom") as failed:
        build.build_profile(record(failure="worker 2: boom"))
    assert failed.value.profile is not None
    assert failed.value.profile.notes[0] == "failed: worker 2: boom"


def test_shard_of_reads_a_sharded_designs_lock_name() -> None:
    from lsim.engine.record import shard_of

    assert shard_of("labelstore.shard[03].mut") == 3
    assert shard_of("labelstore.Service.mut") == -1
    assert shard_of("labelstore.shard[x].mut") == -1
