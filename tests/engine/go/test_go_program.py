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
from lsim.stores.locking import matching_path
from tests.engine.go.conftest import needs_go
from tests.engine.go.planread import read_plan
from tests.engine.go.trace import TRACE_WORKLOADS, call_taken, python_trace
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
    """Call by call: the same results and the same locks taken (and the stated ones)."""
    w = workload(TRACE_WORKLOADS[case])
    shards = 4 if design == "sharded" else None
    plan_path = tmp_path / "plan.bin"
    write_plan_file(GoRun(w, design, shards, w.threads.count, 1), plan_path)
    done = subprocess.run(
        [str(lsimgo), "trace", "-locks", str(plan_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    expected = python_trace(read_plan(plan_path), locks=True, stdlib=False)
    got = done.stdout.splitlines()
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert g == e, f"line {i}: go {g!r} != python {e!r}"
        call = call_taken(g)
        if call is not None:
            op, taken = call
            found = matching_path(design, op, taken, shards or 1, len(w.components), stdlib=False)
            assert found is not None, f"line {i}: {g!r} is no path of LOCKING[{design!r}]"


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
