from __future__ import annotations

import csv
import io
import json
import re

import pytest

from lsim.compare import render_report, resolve_format
from lsim.compare.report import ComparisonReport, build_report
from lsim.compare.schedule import Variant
from lsim.errors import ConfigError
from tests.compare.helpers import log_from

VARIANTS = [Variant("mutex"), Variant("rwmutex"), Variant("sharded", 32)]


def report(interrupted: bool = False) -> ComparisonReport:
    log = log_from(
        VARIANTS,
        {
            "mutex": [900, 950, 1000, 1050, 1100],
            "rwmutex": [950, 980, 1000, 1040, 1080],
            "sharded-32": [2400, 2450, 2500, 2550, 2600],
        },
    )
    if interrupted:
        log.finished = log.finished[:4]
        log.interrupted = True
    return build_report(
        "compare", log, workload="wl", seed=7, engine="threads", repeat=5, profiles_dir="profiles/x"
    )


def test_rows_are_versus_mutex_by_medians() -> None:
    rows = {r.label: r for r in report().rows}
    assert rows["mutex"].is_reference and rows["mutex"].throughput_ratio == 1.0
    assert rows["sharded-32"].throughput_ratio == pytest.approx(2.5)
    # fixture census: mutex 9.3/12 blocked, sharded 2.6/12 -> 1 - 2.6/9.3
    assert rows["sharded-32"].blocked_reduction == pytest.approx(1 - 2.6 / 9.3)
    assert rows["sharded-32"].prediction is not None
    assert rows["sharded-32"].prediction.text == "~96%"


def test_text_table_has_one_row_per_design_and_a_verdict() -> None:
    text = render_report(report(), "text")
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("design"))
    assert "x mutex" in header and "p99" in header and "predicted" in header
    for label in ("mutex", "rwmutex", "sharded-32"):
        assert any(line.startswith(label + " ") for line in lines)
    assert "GetOrAddGlobalRefID" in text and "GetLocalRefID" in text
    assert "Verdict: sharded-32 wins on this workload: 2.50x" in text
    assert "Rows differ in regime" in text  # fixture: sharded below saturation, rest saturated
    assert "profiles/x/" in text


def test_markdown_parses_as_a_table() -> None:
    text = render_report(report(), "markdown")
    table = [line for line in text.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])] for line in table]
    assert len({len(row) for row in cells}) == 1  # every line has the same column count
    assert table[1].replace("|", "").replace(":", "").replace("-", "") == ""  # separator row
    assert [row[0] for row in cells[2:]] == ["mutex", "rwmutex", "sharded-32"]
    assert "throughput ops/s median" in cells[0]
    assert "**Verdict:**" in text


def test_csv_parses_with_numbers() -> None:
    rows = list(csv.DictReader(io.StringIO(render_report(report(), "csv"))))
    assert [r["design"] for r in rows] == ["mutex", "rwmutex", "sharded-32"]
    sharded = rows[2]
    assert float(sharded["ops_per_s_median"]) == 2500
    assert float(sharded["ops_per_s_min"]) == 2400 and float(sharded["ops_per_s_max"]) == 2600
    assert float(sharded["throughput_ratio"]) == pytest.approx(2.5)
    assert float(sharded["predicted_reduction_low"]) == 0.96
    assert sharded["shards"] == "32" and rows[0]["shards"] == ""
    assert "p99_ns_GetOrAddGlobalRefID" in sharded and "blocked_share_GetLocalRefID" in sharded


def test_json_has_rows_verdict_and_schedule() -> None:
    data = json.loads(render_report(report(), "json"))
    assert data["compare_version"] == 1
    rows = data["groups"][0]["rows"]
    assert rows[0]["throughput_ops_per_s"] == {
        "median": 1000.0,
        "min": 900.0,
        "max": 1100.0,
        "n": 5,
    }
    assert data["groups"][0]["verdict"]["kind"] == "win"
    assert [e["label"] for e in data["schedule"][:3]] == ["mutex", "rwmutex", "sharded-32"]


def test_interrupted_report_shows_what_finished() -> None:
    r = report(interrupted=True)
    assert [row.summary.runs for row in r.rows] == [2, 1, 1]
    text = render_report(r, "text")
    assert "Interrupted (Ctrl-C) after 4 of 15 runs" in text
    assert "no spread to judge" in text


def test_no_mutex_row_compares_with_the_first_design() -> None:
    log = log_from(
        [Variant("sharded", 32), Variant("rwmutex")],
        {"sharded-32": [2500, 2600], "rwmutex": [1000, 1100]},
    )
    r = build_report("compare", log, workload="wl", seed=1, engine="threads", repeat=2)
    assert r.rows[0].is_reference and "x sharded-32" in render_report(r, "text")
    assert any("No mutex row" in n for n in r.groups[0].notes)


def test_empty_report_renders() -> None:
    log = log_from([Variant("mutex")], {"mutex": [1.0]})
    log.finished = []
    r = build_report("compare", log, workload="wl", seed=1, engine="threads", repeat=1)
    for fmt in ("text", "markdown", "csv", "json"):
        assert render_report(r, fmt)


def test_format_resolution() -> None:
    from pathlib import Path

    assert resolve_format(None, None) == "text"
    assert resolve_format(None, Path("t.md")) == "markdown"
    assert resolve_format(None, Path("t.csv")) == "csv"
    assert resolve_format("json", Path("t.md")) == "json"
    with pytest.raises(ConfigError, match="allowed: text, json, markdown, csv"):
        resolve_format("yaml", None)


def test_directfanout_row_says_the_document_has_no_prediction_and_no_ops_ratio() -> None:
    variants = [Variant("mutex"), Variant("directfanout")]
    log = log_from(variants, {"mutex": [100.0, 110.0], "directfanout": [40.0, 41.0]}, "saturated")
    r = build_report("compare", log, workload="wl", seed=1, engine="threads", repeat=2)
    row = next(row for row in r.rows if row.label == "directfanout")
    assert row.throughput_ratio is None  # other calls: ops/s do not compare
    assert row.prediction is not None
    assert row.prediction.text == "not in the document (merged upstream)"
    assert row.prediction.low is None and not row.prediction.contains(0.5)
    assert any("directfanout makes other calls" in n for n in r.groups[0].notes)
    assert "directfanout" not in r.groups[0].verdict.text  # judged by throughput: left out
    text = render_report(r, "text")
    assert "not in the document (merged upstream)" in text
    assert "directfanout" in render_report(r, "csv") and '"low": null' in render_report(r, "json")
