"""``lsim workload validate|show|new`` through the real entry point (exit codes, streams)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lsim.cli.app import main
from lsim.limits import max_threads
from lsim.workload.load import load_workload

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = str(ROOT / "workloads" / "alloy-production.yaml")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (PRODUCTION, "ok: alloy-production (2,000 threads, steady)"),
        (
            str(ROOT / "workloads" / "alloy-high-contention.yaml"),
            "ok: alloy-high-contention (20,000 threads, burst)",
        ),
        ("builtin", "ok: default (1,000 threads, steady)"),
    ],
)
def test_validate_ok(ref: str, expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["workload", "validate", ref], capsys)
    assert (code, out.strip()) == (0, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ops:\n  mix:\n    GetLocalRefID: -1\n", "ops.mix.GetLocalRefID: must be >= 0 (got -1)"),
        ("threads: {count: 9999999}\n", f"threads.count: must be <= {max_threads():,}"),
        (
            "series: {layout: fancy}\n",
            "series.layout: unknown hash layout 'fancy'; allowed: stringlabels, slicelabels",
        ),
        ("threads: [1,\n", "invalid YAML at line"),
    ],
)
def test_validate_bad_file_exits_2_with_one_line(
    tmp_path: Path, text: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    code, out, err = run(["workload", "validate", str(f)], capsys)
    assert code == 2 and out == ""
    assert f"error: {f}: {expected}" in " ".join(err.split())
    assert "Traceback" not in err


def test_validate_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["workload", "validate", str(tmp_path / "none.yaml")], capsys)
    assert code == 2 and "no such workload file" in err and "Traceback" not in err


def test_show_text_is_yaml_plus_shares(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["workload", "show", PRODUCTION, "--sample-threads", "16", "--steps", "300"], capsys
    )
    assert code == 0
    data = yaml.safe_load(out)  # the shares are YAML comments when piped: still a workload file
    assert data["name"] == "alloy-production" and data["threads"]["count"] == 2000
    assert "GetOrAddGlobalRefID" in out and "GetLocalRefID" in out and "%" in out


def test_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["workload", "show", "builtin", "-f", "json", "--steps", "300"], capsys)
    assert code == 0
    payload = json.loads(out)
    assert payload["source"] == "builtin:default"
    shares = payload["operation_shares"]
    assert abs(shares["GetOrAddGlobalRefID"] - shares["GetLocalRefID"]) < 0.01
    assert payload["workload"]["ops"]["pipeline"]["relabel"] is True


def test_show_bad_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["workload", "show", "builtin", "-f", "xml"], capsys)
    assert code == 2 and "--format: unknown format 'xml'; allowed: text, json" in err


def test_new_writes_a_valid_commented_file_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mine.yaml"
    code, _, err = run(["workload", "new", "mine", "-o", str(target)], capsys)
    assert code == 0 and "wrote" in err
    text = target.read_text()
    assert load_workload(target).name == "mine"
    keyed = [
        line for line in text.splitlines() if ":" in line and not line.lstrip().startswith("#")
    ]
    assert all("#" in line for line in keyed if not line.rstrip().endswith(":")), (
        "every field commented"
    )
    code, _, err = run(["workload", "new", "mine", "-o", str(target)], capsys)
    assert code == 2 and "already exists; pass --force" in err
    target.write_text("changed")
    code, _, _ = run(["workload", "new", "mine", "-o", str(target), "--force"], capsys)
    assert code == 0 and load_workload(target).name == "mine"


def test_new_default_path_and_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(["workload", "new", "edge"], capsys)
    assert code == 0 and (tmp_path / "workloads" / "edge.yaml").is_file()
    code, out, _ = run(["workload", "new", "edge", "-o", "-"], capsys)
    assert code == 0 and yaml.safe_load(out)["name"] == "edge"


def test_new_bad_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["workload", "new", "../evil", "-o", "-"], capsys)
    assert code == 2 and "bad workload name" in err and "Traceback" not in err
