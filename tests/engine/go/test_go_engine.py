"""``--engine go`` end to end: the census against known answers, the profile, the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from lsim.cli.app import main
from lsim.engine.go import go_run_of, run_go
from lsim.profile.kept_dump import kept_dump
from lsim.profile.model import Profile, load_profile
from lsim.render import RENDERER_NAMES, get_renderer
from lsim.stores import STORE_NAMES
from tests.engine.go.conftest import contended_spec, needs_go
from tests.workload.helpers import workload

pytestmark = needs_go


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.mark.timeout(120)
def test_census_matches_a_known_waiting_share(lsimgo: Path) -> None:
    done = subprocess.run(
        [
            str(lsimgo),
            "known",
            "-waiters",
            "8",
            "-hold",
            "20ms",
            "-gap",
            "20ms",
            "-duration",
            "2s",
            "-gomaxprocs",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert done.returncode == 0, done.stderr
    r = json.loads(done.stdout)
    assert 0.15 < r["analytic_share"] < 0.85
    assert abs(r["census_share"] - r["analytic_share"]) <= 0.05, r
    assert abs(r["census_share"] - r["truth_share"]) <= 0.05, r
    assert r["samples"] >= 20


# 3 s: Little's law needs a window long against the waits (a 1 s window with waits up to
# ~0.2 s read 1.31: waits still in progress at the window's end are not counted)
CONTENDED = contended_spec(200, 3.0)


@pytest.fixture(scope="module")
def contended() -> Profile:
    return run_go(go_run_of(workload(CONTENDED), "mutex", None, None, 2, 100.0))


@pytest.mark.timeout(120)
def test_a_closed_loop_on_one_mutex_reads_like_the_dump(contended: Profile) -> None:
    p = contended
    assert p.engine == "go" and p.threads == 200 and p.census_samples >= 10
    assert p.ops_per_s > 0 and {o.operation for o in p.operations} >= {
        "GetOrAddGlobalRefID",
        "GetLocalRefID",
    }
    blocked = p.blocked_by_operation()
    assert p.blocked_share() > 0.5, p.state_means()
    assert blocked["GetOrAddGlobalRefID"] > 0 and blocked["GetLocalRefID"] > 0
    assert {c.lock for c in p.census if c.state == "sync.Mutex.Lock"} == {"labelstore.Service.mut"}
    assert p.locks and p.locks[0].name == "labelstore.Service.mut" and p.locks[0].contended > 0
    assert p.machine["go_version"].startswith("go1.") and "foreign_cores" in p.machine
    assert 0 < p.timings["census_run_throughput_ratio"] < 2
    assert sum(p.thread_ops) == p.total_ops and min(p.thread_ops) > 0  # nobody starved


@pytest.mark.timeout(120)
def test_census_agrees_with_littles_law_on_the_block_profile(contended: Profile) -> None:
    law = contended.integrations["littles_law"]
    assert law["block_profile_blocked_mean"] > 10
    assert abs(law["ratio"] - 1) <= 0.15, law
    assert any("Little's law" in n for n in contended.notes)


@pytest.mark.timeout(120)
def test_the_lock_words_count_the_census_run_s_parked_waiters(contended: Profile) -> None:
    """The no-stop census (each lock's waiter count read from its state word) against the
    stop-the-world one, in the same census run: both count goroutines parked on the mutex."""
    words = contended.integrations["lock_words"]
    census_run, clean = words["census"], words["clean"]
    # reads every 200 us over 3 s plan 15,000; the sampler is a goroutine competing with the
    # convoy for the two Ps (quiet: several thousand; 736 once at load average 4.5)
    assert census_run["samples"] > 300 and clean["samples"] > 300
    assert census_run["unread"] == [] and set(census_run["per_lock_mean"]) == {
        "labelstore.Service.mut"
    }
    assert census_run["waiters_mean"] > 10 and clean["waiters_mean"] > 10
    # parked only (the dump's sync.Mutex.Lock state), vs the dump's few stopped moments
    ratio = census_run["waiters_mean"] / contended.blocked_mean()
    assert 0.7 <= ratio <= 1.3, (census_run, contended.blocked_mean())


@pytest.mark.timeout(120)
def test_the_convoy_mechanisms_are_read_from_the_runtime(contended: Profile) -> None:
    """Starvation mode's share of reads (the state word's bit) and the runtime's
    scheduling-latency histogram over the window, in both runs."""
    words = contended.integrations["lock_words"]
    for run in ("clean", "census"):
        starving = words[run]["per_lock_starving"]
        assert set(starving) == {"labelstore.Service.mut"}
        assert 0.0 <= starving["labelstore.Service.mut"] <= 1.0
        lat = contended.integrations["sched_latency"][run]
        assert lat["available"] and lat["count"] > 0, lat
        assert 0 < lat["p50_s"] <= lat["p90_s"] <= lat["p99_s"], lat
        assert 0.0 <= lat["over_1ms_share"] <= 1.0


def test_the_real_dump_is_kept_and_every_renderer_reads_the_profile(
    contended: Profile, tmp_path: Path
) -> None:
    dump = kept_dump(contended)
    assert dump is not None and dump.startswith("goroutine ")
    assert "labelstore.(*Service)." in dump and "sync.(*Mutex).Lock" in dump
    for name in RENDERER_NAMES:
        assert get_renderer(name).render(contended)
    path = tmp_path / "p.json"
    from lsim.profile.model import save_profile

    save_profile(contended, path)
    assert load_profile(path).to_dict() == contended.to_dict()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("design", STORE_NAMES)
def test_every_design_runs_on_real_go(design: str) -> None:
    w = workload(
        {
            "threads": {"count": 50},
            "series": {"count": 500, "prepopulated": 250},
            "components": 2,
            "run": {"duration_s": 0.3, "warmup_s": 0.1},
            "pacing": {"rate_per_thread": 50.0},
            "ops": {"pipeline": {"series_per_thread": 5, "collect_every": 3}},
        }
    )
    shards = 8 if design == "sharded" else None
    p = run_go(go_run_of(w, design, shards, None, 2, 100.0))
    assert p.store == design and p.total_ops > 0 and p.census_samples > 0
    assert p.regime == "below-saturation", p.regime_reason
    if design == "directfanout":  # its own calls, in the Fanout's store (Alloy's frames)
        assert {"GetMapping", "TrackAppendedSeries"} <= set(p.stacks)
        assert p.stacks["GetMapping"][-1][0].endswith("(*SeriesRefMappingStore).GetMapping")
        assert {lk.name for lk in p.locks} <= {
            "appenders.SeriesRefMappingStore[0].refMappingMu",
            "appenders.SeriesRefMappingStore[0].refMappingMu.w",
            "appenders.SeriesRefMappingStore[0].timestampTrackingMu",
        }
    else:
        assert {"GetOrAddGlobalRefID", "GetLocalRefID"} <= set(p.stacks)


@pytest.mark.timeout(300)
def test_run_and_compare_on_the_go_engine(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = cli(
        [
            "run",
            "--engine",
            "go",
            "--threads",
            "100",
            "--duration",
            "0.3",
            "--gomaxprocs",
            "2",
            "-f",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["engine"] == "go" and report["throughput"]["ops_per_s"] > 0
    assert "--engine go" in report["command"] and "--gomaxprocs 2" in report["command"]
    code, out, err = cli(
        [
            "compare",
            "--engine",
            "go",
            "--stores",
            "mutex,sharded",
            "--shards",
            "64",
            "--threads",
            "100",
            "--duration",
            "0.3",
            "--repeat",
            "2",
            "--profiles-dir",
            str(tmp_path),
        ],
        capsys,
    )
    assert code == 0, err
    assert "sharded-64" in out and "mutex" in out
    assert len(list(tmp_path.glob("*.json"))) == 4


def test_flags_the_go_engine_cannot_honour_are_refused_by_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for args, flag in (
        (["--sim-time", "100ms"], "--sim-time"),
        (["--goroutines", "0"], "--goroutines"),
        (["--gomaxprocs", "5000"], "--gomaxprocs"),
        (["--py-spy"], "--py-spy"),
    ):
        command = "profile" if flag == "--py-spy" else "run"
        code, _, err = cli([command, "--engine", "go", "--duration", "0.2", *args], capsys)
        assert code == 2, (args, err)
        assert flag in err and "Traceback" not in err


@pytest.mark.timeout(120)
def test_ctrl_c_ends_a_go_run_with_its_report(lsimgo: Path) -> None:
    import os
    import signal
    import sys

    env = {**os.environ, "LSIM_PROGRESS_EVERY_S": "0.2"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lsim",
            "run",
            "--engine",
            "go",
            "--threads",
            "100",
            "--duration",
            "30",
            "--gomaxprocs",
            "2",
            "-f",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # progress lines: wait until the clean run is measuring
        if "measuring" in line:
            break
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)  # a second Ctrl-C must not lose the report
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130
    report = json.loads(out)
    assert report["engine"] == "go" and report["duration_s"] < 30
    assert any(n.startswith("interrupted") for n in report["notes"])
