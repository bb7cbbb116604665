"""The Go program itself: its unit tests, hashing and store results against the Python side."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsim.engine.go.planfile import GoRun, write_plan_file
from lsim.engine.go.toolchain import SOURCE_DIR, find_go, go_env
from lsim.labels import HashLayout, Labels
from lsim.stores import STORE_NAMES
from tests.engine.go.conftest import needs_go
from tests.engine.go.planread import read_plan
from tests.engine.go.trace import python_trace
from tests.workload.helpers import workload

pytestmark = needs_go


@pytest.mark.timeout(600)
def test_go_vet_and_go_test_pass() -> None:
    go = find_go()
    assert go is not None
    for args in (["vet", "./..."], ["test", "-count=1", "./..."]):
        done = subprocess.run(
            [go, *args], cwd=SOURCE_DIR, env=go_env(), capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


label_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=300)
label_sets = st.dictionaries(label_text.filter(bool), label_text, max_size=6)


@settings(max_examples=60)
@given(sets=st.lists(label_sets, min_size=1, max_size=20))
def test_label_hashes_agree_with_python(lsimgo: Path, sets: list[dict[str, str]]) -> None:
    lines, expected = [], []
    for mapping in sets:
        labels = Labels.from_mapping(mapping)
        for layout in HashLayout:
            lines.append(json.dumps({"layout": str(layout), "labels": list(labels.pairs)}))
            expected.append(labels.hash(layout))
    done = subprocess.run(
        [str(lsimgo), "hash"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert [int(x) for x in done.stdout.split()] == expected


def test_published_hash_vectors(lsimgo: Path) -> None:
    cases = [
        ([], 0xEF46DB3751D8E999),
        ([["hello", "world"]], 0x347C8EE7A9E29708),
        ([["__name__", "metric"], ["label", "value"]], 0xCBAB40540F26097D),
    ]
    text = "".join(json.dumps({"layout": "slicelabels", "labels": c}) + "\n" for c, _ in cases)
    done = subprocess.run([str(lsimgo), "hash"], input=text, capture_output=True, text=True)
    assert [int(x) for x in done.stdout.split()] == [h for _, h in cases]


TRACE_WORKLOADS = {
    "pipeline-churn-gc": {
        "threads": {"count": 6},
        "series": {"count": 40, "prepopulated": 10, "churn": {"fraction_per_cycle": 0.5}},
        "components": 3,
        "pacing": {"rate_per_thread": 5.0},
        "run": {"duration_s": 1.0, "warmup_s": 0.1},
        "ops": {
            "pipeline": {
                "series_per_thread": 5,
                "wal_ref_change_probability": 0.3,
                "stale_per_batch": 2,
                "collect_every": 2,
                "gc_every": 3,
            }
        },
    },
    "pipeline-no-relabel-fanouts": {  # direct fanout's cached refs, updates, two Fanouts
        "threads": {"count": 5},
        "series": {"count": 40, "prepopulated": 20},
        "components": 2,
        "pacing": {"rate_per_thread": 5.0},
        "run": {"duration_s": 1.0, "warmup_s": 0.1},
        "ops": {
            "pipeline": {
                "relabel": False,
                "series_per_thread": 4,
                "wal_ref_change_probability": 0.4,
                "fanouts": 2,
                "gc_every": 2,
            }
        },
    },
    "mix": {
        "threads": {"count": 4},
        "series": {"count": 30},
        "components": 2,
        "ops": {
            "mix": {
                "GetOrAddGlobalRefID": 30,
                "GetLocalRefID": 30,
                "AddLocalLink": 10,
                "ReplaceLocalLink": 10,
                "GetOrAddLink": 10,
                "TrackStaleness": 5,
                "CheckAndRemoveStaleMarkers": 2,
                "Collect": 3,
            }
        },
    },
    "benchmark-burst": {
        "threads": {"count": 50, "mode": "burst"},
        "run": {"iterations": 2},
        "series": {"count": 100, "prepopulated": 50},
        "components": 5,
        "ops": {
            "pipeline": {
                "series_per_thread": 1,
                "series_select": "stride",
                "series_stride": 7,
                "component_select": "by_thread",
                "local_ids": "benchmark",
                "track_every_n_threads": 10,
                "stale_per_batch": 1,
                "track_live": False,
                "collect_every": 10,
            }
        },
    },
}


# directfanout runs pipeline workloads only (a mix draws labelstore calls it never makes).
TRACE_CASES = [
    pytest.param(d, c, id=f"{d}-{c}")
    for d in STORE_NAMES
    for c in sorted(TRACE_WORKLOADS)
    if not (d == "directfanout" and "mix" in TRACE_WORKLOADS[c]["ops"])
]


@pytest.mark.parametrize(("design", "case"), TRACE_CASES)
def test_every_design_gives_the_python_results(
    lsimgo: Path, tmp_path: Path, design: str, case: str
) -> None:
    w = workload(TRACE_WORKLOADS[case])
    shards = 4 if design == "sharded" else None
    plan_path = tmp_path / "plan.bin"
    write_plan_file(GoRun(w, design, shards, w.threads.count, 1), plan_path)
    done = subprocess.run(
        [str(lsimgo), "trace", str(plan_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    expected = python_trace(read_plan(plan_path))
    got = done.stdout.splitlines()
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert g == e, f"line {i}: go {g!r} != python {e!r}"


def test_a_damaged_plan_file_is_one_line_and_exit_2(lsimgo: Path, tmp_path: Path) -> None:
    w = workload({"threads": {"count": 3}})
    good = tmp_path / "plan.bin"
    write_plan_file(GoRun(w, "mutex", None, 3, 1), good)
    data = good.read_bytes()
    for name, damaged in (
        ("short", data[: len(data) // 2]),
        ("magic", b"NOPE" + data[4:]),
        ("empty", b""),
    ):
        path = tmp_path / f"{name}.bin"
        path.write_bytes(damaged)
        done = subprocess.run(
            [str(lsimgo), "run", str(path)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, (name, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "panic" not in done.stderr
