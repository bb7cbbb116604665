"""Workloads that cannot run are refused by name, before any thread starts (issue 14:
items 3, 6 and 10): pauses and rates under which no thread works, labels beyond what a
label can hold, numbers out of range, and format placeholders that divide by zero."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lsim.errors import ConfigError
from lsim.workload.labelfmt import compile_format
from lsim.workload.load import parse_workload
from lsim.workload.model import (
    MAX_LABEL_BYTES,
    SeriesSpec,
    TemplateSpec,
    Workload,
    check_runnable,
)
from tests.workload.helpers import workload


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"pacing": {"rate_per_thread": 1.0e-300}}, "pacing.rate_per_thread: must be 0 (off)"),
        ({"pacing": {"think": "fixed", "think_s": 1.0e300}}, "pacing.think_s: must be <= 86400"),
        ({"run": {"duration_s": 1e300}}, "run.duration_s: must be <= 86400"),
        ({"run": {"duration_s": float("nan")}}, "run.duration_s: must be a finite number"),
        ({"run": {"iterations": 10**9}}, "run.iterations: must be <= 100,000"),
        ({"seed": 2**64}, "seed: must be <= 9,223,372,036,854,775,807"),
        ({"seed": 10**5000}, "(got an integer of about 5,001 digits)"),
        ({"series": {"count": 10**12}}, "series.count: must be <= 100,000,000"),
        ({"model": {"sim_time_s": 1e308}}, "model.sim_time_s: must be <= 3600"),
        ({"model": {"costs": {"hash_ns": 1e300}}}, "model.costs.hash_ns: must be <="),
        ({"series": {"template": {"a": "{i//00}"}}}, "series.template.a: division or modulo"),
        ({"series": {"template": {"a": "{i%00}"}}}, "series.template.a: division or modulo"),
        ({"series": {"template": {"a": "{i+" + "9" * 30 + "}"}}}, "at most 18 digits"),
    ],
)
def test_values_that_cannot_run_are_refused_by_field(data: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_workload(data, "w.yaml")
    assert needle in str(raised.value)
    assert str(raised.value).startswith("w.yaml: ")


def test_a_label_value_over_16_mib_is_refused() -> None:
    huge = "x" * (MAX_LABEL_BYTES + 1)
    with pytest.raises(ConfigError, match="a label value holds at most 16,777,215 bytes"):
        TemplateSpec(name="custom", labels=(("big", huge),))
    with pytest.raises(ConfigError, match="is given twice"):
        TemplateSpec(name="custom", labels=(("a", "1"), ("a", "2")))
    assert compile_format("x" * 100 + "{i}").max_bytes == 140


def test_a_pause_longer_than_the_run_is_refused_but_flags_can_fix_it() -> None:
    w = workload({"pacing": {"think": "fixed", "think_s": 10.0}})
    with pytest.raises(ConfigError, match="pacing.think_s: a pause of 10 s is longer than the run"):
        check_runnable(w)
    check_runnable(w.with_overrides(duration_s=20.0))  # the run as it will be: fine


def test_a_rate_at_which_no_thread_works_in_the_window_is_refused() -> None:
    w = workload({"pacing": {"rate_per_thread": 0.5}, "threads": {"count": 1}})
    with pytest.raises(ConfigError, match="do no work in the measured window"):
        check_runnable(w.with_overrides(duration_s=0.5))
    check_runnable(w.with_overrides(threads=100, duration_s=0.5))
    check_runnable(workload({"threads": {"count": 1, "mode": "burst"}}))  # burst: no pacing


def test_flags_given_together_are_judged_together() -> None:
    w = workload({"pacing": {"think": "fixed", "think_s": 2.0}})
    assert w.with_overrides(threads=1, duration_s=3.0).run.duration_s == 3.0
    with pytest.raises(ConfigError) as raised:
        w.with_overrides(threads=0, duration_s=3.0)
    assert str(raised.value) == "--threads: must be >= 1 (got 0)"
    with pytest.raises(ConfigError, match=r"^--seed: must be <= "):
        w.with_overrides(seed=2**63)


def test_shipped_workloads_are_runnable() -> None:
    from lsim.workload.load import builtin_workload, load_workload

    check_runnable(builtin_workload())
    for path in sorted((Path(__file__).parents[2] / "workloads").glob("*.yaml")):
        check_runnable(load_workload(path))


def test_a_model_built_in_code_is_checked_too() -> None:
    with pytest.raises(ConfigError, match="must be <= 100,000,000"):
        Workload(series=SeriesSpec(count=10**9))
