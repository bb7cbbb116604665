"""The threads engine's capacity calibration and loads stated relative to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lsim.engine import capacity as cap
from lsim.errors import ConfigError
from lsim.workload.load import builtin_workload
from lsim.workload.shares import calls_per_batch
from tests.workload.helpers import workload

FAKE = cap.Capacity(
    design="mutex",
    ops_per_s=25_000.0,
    threads=1000,
    windows_ops_per_s=(24_000.0, 26_000.0),
    windows_foreign_cores=(0.0, 0.1),
    noisy=False,
    measured="2026-01-01T00:00:00+00:00",
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LSIM_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_a_relative_load_becomes_a_rate_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cap, "capacity_of", lambda *a, **k: FAKE)
    w = builtin_workload()
    resolved, load = cap.resolve_offered(w)
    assert load is not None and load.capacity == FAKE
    assert load.ops_per_s == pytest.approx(1.6 * 25_000)
    per_batch = calls_per_batch(w)
    assert resolved.pacing.rate_per_thread == pytest.approx(40_000 / (1000 * per_batch))
    # the same total over more threads: each thread works less often
    more, _ = cap.resolve_offered(w.with_overrides(threads=2000))
    assert more.pacing.rate_per_thread == pytest.approx(resolved.pacing.rate_per_thread / 2)
    text = cap.describe_load(load.to_dict())
    assert text.startswith("1.6x the mutex capacity measured here (25,000 ops/s")
    assert text.endswith("40,000 ops/s offered")


def test_without_calibration_the_absolute_rate_runs_and_the_report_says_so() -> None:
    w = builtin_workload()
    for engine, calibrate in (("threads", False), ("model", True), ("go", True)):
        resolved, load = cap.resolve_offered(w, engine=engine, calibrate=calibrate)
        assert resolved.pacing.rate_per_thread == 0.5
        assert load is not None and load.capacity is None and load.ignored
        assert "not applied" in cap.describe_load(load.to_dict())


def test_a_relative_load_without_a_fallback_rate_needs_the_calibration() -> None:
    w = workload({"pacing": {"offered": "1.6x mutex"}}, source="w.yaml")
    with pytest.raises(ConfigError) as error:
        cap.resolve_offered(w, calibrate=False)
    assert str(error.value).startswith("w.yaml: pacing.offered: '1.6x mutex' is relative")
    assert "--no-calibrate" in str(error.value) and "rate_per_thread" in str(error.value)


def test_an_absolute_load_needs_no_calibration_on_any_engine() -> None:
    w = workload({"threads": {"count": 100}, "pacing": {"offered": 5100}})
    for engine in ("threads", "model"):
        resolved, load = cap.resolve_offered(w, engine=engine, calibrate=False)
        assert load is not None and load.capacity is None and not load.ignored
        assert resolved.pacing.rate_per_thread == pytest.approx(5100 / (100 * 51), rel=0.01)


def test_an_impossible_rate_is_refused_naming_the_field() -> None:
    w = workload({"threads": {"count": 1}, "pacing": {"offered": 1e9}}, source="w.yaml")
    with pytest.raises(ConfigError, match="w.yaml: pacing.offered: 1e.09 is 1,000,000,000"):
        cap.resolve_offered(w)


def test_the_cache_is_per_workload_shape_and_survives_damage(cache: Path) -> None:
    w = builtin_workload()
    path = cap.cache_file(w, "mutex", None)
    assert path.parent == cache / "capacity" and path.name.startswith("mutex-")
    # the pacing and the run do not change what is measured; threads and series do
    assert cap.cache_file(w.with_overrides(duration_s=9), "mutex", None) == path
    assert cap.cache_file(w.with_overrides(threads=50), "mutex", None) != path
    # above MAX_THREADS the calibration runs (and is kept) at MAX_THREADS
    assert cap.cache_file(w.with_overrides(threads=10_000), "mutex", None) == path
    assert cap.cache_file(w, "sharded", 64).name.startswith("sharded-64-")
    saved = cap._write(path, FAKE)
    assert saved.path == str(path)
    found = cap._read(path)
    assert found is not None and found.cached and found.ops_per_s == FAKE.ops_per_s
    path.write_text("{not json", encoding="utf-8")
    assert cap._read(path) is None  # measured again, never a traceback


def test_capacity_of_measures_once_then_reads_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def measure(w: object, store: str, shards: int | None, notify: object) -> cap.Capacity:
        calls.append(store)
        return FAKE

    monkeypatch.setattr(cap, "measure_capacity", measure)
    said: list[str] = []
    w = builtin_workload()
    first = cap.capacity_of(w, "mutex", None, said.append)
    second = cap.capacity_of(w, "mutex", None, said.append)
    assert calls == ["mutex"] and not first.cached and second.cached
    assert said[0].startswith("calibrating: the mutex capacity with 1,000 threads")
    assert said[1] == "mutex capacity here: 25,000 ops/s"
    data = json.loads(Path(str(second.path)).read_text(encoding="utf-8"))
    assert data["ops_per_s"] == 25_000.0 and data["threads"] == 1000


@pytest.mark.timeout(120)
def test_a_real_calibration_measures_a_closed_loop(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cap, "WINDOW_S", 0.2)
    monkeypatch.setattr(cap, "WARMUP_S", 0.05)
    monkeypatch.setattr(cap, "QUIET_WINDOWS", 1)
    monkeypatch.setattr(cap, "MAX_WINDOWS", 2)
    w = builtin_workload().with_overrides(threads=20)
    measured = cap.measure_capacity(w, "mutex", None)
    assert measured.threads == 20 and measured.design == "mutex"
    assert 1 <= len(measured.windows_ops_per_s) <= 2
    assert measured.ops_per_s > 1000  # 20 threads without pause do far more than this
    assert measured.noisy == all(
        f is not None and f >= 0.25 for f in measured.windows_foreign_cores
    )


@pytest.mark.timeout(120)
def test_run_reports_what_was_offered(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lsim.cli.app import main

    w = builtin_workload().with_overrides(threads=50)
    cap._write(cap.cache_file(w, "mutex", None), cap.Capacity(**{**FAKE.__dict__, "threads": 50}))
    monkeypatch.setenv("LSIM_CALIBRATE", "1")
    with pytest.raises(SystemExit) as exited:
        main(["run", "--threads", "50", "--duration", "0.3", "-f", "json", "-q"])
    out, _ = capsys.readouterr()
    assert exited.value.code in (0, None)
    report = json.loads(out)
    assert report["load"]["offered"] == "1.6x mutex"
    assert report["load"]["offered_ops_per_s"] == pytest.approx(40_000)
    assert report["load"]["capacity"]["ops_per_s"] == 25_000.0
    with pytest.raises(SystemExit):
        main(["run", "--threads", "50", "--duration", "0.3", "--no-calibrate", "-q"])
    out, _ = capsys.readouterr()
    assert "Offered: pacing.offered '1.6x mutex' not applied (--no-calibrate" in out
    assert "--no-calibrate" in out.rsplit("Reproduce:", 1)[1]
