"""``compare --engine threads,model,go``: engines side by side in one schedule and table."""

from __future__ import annotations

import pytest

from lsim.cli.options import ENGINES
from lsim.compare.report import build_report
from lsim.compare.schedule import Variant, interleave, parse_engines, with_engines
from lsim.errors import ConfigError
from tests.compare.helpers import log_from


def test_engine_lists_parse_in_order_and_refuse_unknown_names() -> None:
    assert parse_engines("go", ENGINES) == ("go",)
    assert parse_engines("threads, model,go,model", ENGINES) == ("threads", "model", "go")
    for bad in ("", "gpu", "threads,,nope"):
        with pytest.raises(ConfigError) as error:
            parse_engines(bad, ENGINES)
        assert "--engine" in str(error.value) and "threads, model, go" in str(error.value)


def test_each_design_runs_on_each_engine_interleaved() -> None:
    variants = with_engines([Variant("mutex"), Variant("sharded", 64)], ("threads", "go"))
    assert [v.label for v in variants] == [
        "mutex [threads]",
        "mutex [go]",
        "sharded-64 [threads]",
        "sharded-64 [go]",
    ]
    assert len({v.file_stem for v in variants}) == 4  # profiles never overwrite each other
    plan = interleave(variants, 2)
    assert [s.variant.engine for s in plan[:4]] == ["threads", "go", "threads", "go"]
    assert with_engines([Variant("mutex")], ("go",)) == [Variant("mutex")]


def test_several_designs_are_compared_within_each_engine() -> None:
    variants = with_engines([Variant("mutex"), Variant("sharded", 64)], ("threads", "go"))
    log = log_from(
        variants,
        {
            "mutex [threads]": [10.0, 11.0],
            "sharded-64 [threads]": [30.0, 31.0],
            "mutex [go]": [100.0, 110.0],
            "sharded-64 [go]": [250.0, 260.0],
        },
    )
    report = build_report("compare", log, workload="w", seed=1, engine="threads,go", repeat=2)
    assert [g.title for g in report.groups] == ["threads engine", "go engine"]
    go = report.groups[1]
    assert go.rows[0].reference == "mutex [go]"
    assert go.rows[1].throughput_ratio == pytest.approx(255.0 / 105.0)


def test_one_design_puts_the_engines_in_one_group() -> None:
    variants = with_engines([Variant("mutex")], ("threads", "model", "go"))
    log = log_from(
        variants, {"mutex [threads]": [10.0], "mutex [model]": [20.0], "mutex [go]": [40.0]}
    )
    report = build_report("compare", log, workload="w", seed=1, engine="threads,model,go", repeat=1)
    assert len(report.groups) == 1
    assert [r.throughput_ratio for r in report.groups[0].rows] == [1.0, 2.0, 4.0]
