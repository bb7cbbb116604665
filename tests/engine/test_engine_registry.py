"""An engine is one object behind ``run(experiment, progress) -> RunRecord`` and one entry
in ``lsim.engine.run.ENGINES``: a fake one gets a whole profile through ``run_experiment``."""

from __future__ import annotations

import dataclasses

import pytest

from lsim.engine import run
from lsim.engine.record import Engine, ProgressFn, RunRecord
from lsim.engine.spec import Experiment
from lsim.engine.threads import RunStatus
from lsim.errors import ConfigError, RunFailed
from lsim.profile.report import report_dict
from tests.engine.records import record
from tests.workload.helpers import workload

LOAD = {"offered": 0.5, "capacity_ops_per_s": 1000.0}


class FakeEngine:
    """Answers with a hand-made record for the experiment it is given."""

    def __init__(self, failure: str = "") -> None:
        self.failure = failure
        self.seen: list[Experiment] = []

    def run(self, experiment: Experiment, progress: ProgressFn | None = None) -> RunRecord:
        self.seen.append(experiment)
        if progress is not None:
            progress(RunStatus("measuring", 3, 3, 0.1, 20.0, 0.5, 0, 1.0))
        return record(
            store=experiment.store,
            workload=experiment.workload,
            command=experiment.command,
            failure=self.failure,
        )


def experiment(**changes: object) -> Experiment:
    base = Experiment(
        workload=workload({"threads": {"count": 3}, "seed": 5}),
        store="rwmutex",
        engine="fake",
        command="lsim run --engine fake --store rwmutex",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    engine = FakeEngine()
    monkeypatch.setitem(run.ENGINES, "fake", engine)
    return engine


def test_every_registered_engine_loads_an_object_that_speaks_the_protocol() -> None:
    assert {"threads", "model", "go"} <= set(run.ENGINES)
    for name, entry in run.ENGINES.items():
        assert isinstance(entry, run.Imported), name
        engine: Engine = entry.load()
        assert callable(engine.run) and not isinstance(engine, run.Imported), name


def test_a_registered_engine_gets_a_profile_through_run_experiment(fake: FakeEngine) -> None:
    statuses: list[RunStatus] = []
    profile = run.run_experiment(experiment(), statuses.append)
    assert fake.seen == [experiment()] and statuses[0].phase == "measuring"
    assert (profile.engine, profile.store, profile.seed) == ("fake", "rwmutex", 5)
    assert profile.command == "lsim run --engine fake --store rwmutex"
    assert profile.total_ops == 40 and profile.ops_per_s == 20.0
    assert profile.blocked_by_operation() == {"GetLocalRefID": 1.5}
    assert profile.regime == "below-saturation"
    assert profile.notes == ["fake engine: made by hand"]
    assert profile.load == {}
    report = report_dict(profile)  # every renderer's input is complete
    assert report["census"]["blocked_p90"] == 2.0 and report["engine"] == "fake"


def test_the_load_is_recorded_on_every_engines_profile(fake: FakeEngine) -> None:
    assert run.run_experiment(experiment(load=LOAD)).load == LOAD


def test_a_failed_run_still_carries_its_profile_and_its_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(run.ENGINES, "fake", FakeEngine(failure="worker 1: boom"))
    with pytest.raises(RunFailed, match="worker 1: boom") as failed:
        run.run_experiment(experiment(load=LOAD))
    profile = failed.value.profile
    assert profile is not None and profile.load == LOAD and profile.total_ops == 40


def test_an_unknown_engine_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="allowed: threads, model, go"):
        run.run_experiment(experiment(engine="nosuch"))
