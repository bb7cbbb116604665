"""One output rule for every command that writes: -f, else -o's suffix, else the default;
``-o -`` is stdout; binary formats go to stdout when it is not a terminal."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lsim.cli.app import main
from lsim.cli.output import Formats, check_destination, pipe_prelude, write_data
from lsim.errors import ConfigError
from lsim.profile.model import save_profile
from tests.fixtures.profiles import small_profile

REPO = Path(__file__).resolve().parents[2]
HOT = (
    "name: hot\nthreads: {count: 20}\nrun: {duration_s: 0.3, warmup_s: 0.1}\n"
    "series: {count: 400, prepopulated: 200}\n"
)
RUN = Formats("lsim run", ("text", "json"), "text", {".json": "json", ".txt": "text"})


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def lsim(
    args: list[str], cwd: Path, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "lsim", *args], cwd=cwd, env=env, capture_output=True, timeout=120
    )


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    return save_profile(small_profile("mutex"), tmp_path / "mutex.json")


# -- the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "output", "expected"),
    [
        ("json", Path("r.txt"), "json"),  # -f wins over the suffix
        (None, Path("out/R.JSON"), "json"),  # suffix, any case
        (None, Path("r.txt"), "text"),
        (None, None, "text"),  # the command's default
        (None, Path("-"), "text"),  # stdout
        (None, Path("report.out"), "text"),  # a suffix nobody knows: the default
    ],
)
def test_format_follows_f_then_suffix_then_default(
    fmt: str | None, output: Path | None, expected: str
) -> None:
    assert RUN.resolve(fmt, output) == expected


def test_longest_suffix_wins() -> None:
    from lsim.cli.profile_cmd import profile_formats

    formats = profile_formats("lsim profile show")
    assert formats.resolve(None, Path("x.speedscope.json")) == "speedscope"
    assert formats.resolve(None, Path("x.json")) == "json"
    assert formats.resolve(None, Path("x.pb.gz")) == "pprof"
    assert formats.resolve(None, Path("x.pprof")) == "pprof"
    assert formats.resolve(None, Path("x.svg")) == "svg"


def test_a_suffix_of_another_command_is_refused_with_the_allowed_formats() -> None:
    with pytest.raises(ConfigError, match=r"\.csv \(csv\) is not a format of lsim run.*text, json"):
        RUN.resolve(None, Path("r.csv"))
    with pytest.raises(ConfigError, match="unknown format 'xml'; allowed: text, json"):
        RUN.resolve("xml", None)


def test_option_choices_agree_with_the_registries() -> None:
    from lsim import compare
    from lsim.cli.compare_cmd import TABLE_FORMATS
    from lsim.cli.options import ENGINES, STORE_CHOICES
    from lsim.cli.profile_cmd import PROFILE_FORMAT_NAMES
    from lsim.render import RENDERER_NAMES
    from lsim.stores import STORE_NAMES

    assert PROFILE_FORMAT_NAMES == RENDERER_NAMES
    assert TABLE_FORMATS == compare.FORMATS
    assert STORE_CHOICES == STORE_NAMES
    assert {"threads", "model", "go"} <= set(ENGINES)


def test_files_are_written_whole_and_named_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "r.txt"
    target.write_text("old")
    write_data("new\n", target, what="text")
    assert target.read_text() == "new\n"
    assert f"wrote {target} (text)" in capsys.readouterr().err
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_destinations_are_checked_before_work(tmp_path: Path) -> None:
    from lsim.atomicio import OutputError

    with pytest.raises(OutputError, match="does not exist"):
        check_destination(tmp_path / "missing" / "r.json")
    check_destination(Path("-"))
    check_destination(None)


def test_binary_to_a_terminal_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    with pytest.raises(ConfigError, match="binary and stdout is a terminal"):
        check_destination(None, binary=True)
    check_destination(None, binary=False)


def test_pipe_prelude_reads_from_byte_0_and_from_byte_8() -> None:
    data = gzip.compress(b"profile bytes")
    stream = pipe_prelude() + data
    assert gzip.decompress(stream) == b"profile bytes"
    assert gzip.decompress(stream[8:]) == b"profile bytes"  # what go tool pprof sees on a pipe


# -- commands -------------------------------------------------------------------------------


def test_show_binary_goes_to_a_non_terminal_stdout(saved: Path, tmp_path: Path) -> None:
    done = lsim(["profile", "show", str(saved), "-f", "pprof"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert gzip.decompress(done.stdout)  # a pipe: prelude + profile, one gzip stream


def test_show_dash_is_stdout_and_svg_is_a_flame_graph(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(["profile", "show", str(saved), "-o", "-", "-f", "folded"], capsys)
    assert code == 0 and out and all(";" in line for line in out.splitlines())
    assert not (tmp_path / "-").exists()
    code, _, err = run_cli(["profile", "show", str(saved), "-o", "flame.svg"], capsys)
    assert code == 0 and "wrote flame.svg (svg)" in err
    assert (tmp_path / "flame.svg").read_text().startswith("<?xml")
    code, out, _ = run_cli(["profile", "show", str(saved), "-f", "svg"], capsys)
    assert code == 0 and "<svg" in out and "sync.Mutex.Lock" in out


def test_diff_json_and_markdown(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = save_profile(small_profile("sharded"), tmp_path / "sharded.json")
    code, out, _ = run_cli(["profile", "diff", str(saved), str(other), "-f", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["diff_version"] == 1 and "Collect" in data["operations"]
    target = tmp_path / "diff.md"
    code, out, err = run_cli(["profile", "diff", str(saved), str(other), "-o", str(target)], capsys)
    assert code == 0 and out == "" and f"wrote {target} (markdown)" in err
    assert "| operation | before | after | delta |" in target.read_text()


@pytest.mark.timeout(120)
def test_run_output_suffix_picks_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workload = tmp_path / "hot.yaml"
    workload.write_text(HOT)
    target = tmp_path / "r.json"
    code, out, err = run_cli(["run", "-w", str(workload), "-q", "-o", str(target)], capsys)
    assert code == 0 and out == "", err
    assert json.loads(target.read_text())["report_version"] == 1


def test_run_checks_output_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["run", "-o", str(tmp_path / "no" / "r.json")], capsys)
    assert code == 2 and "does not exist" in err
    code, _, err = run_cli(["run", "-o", str(tmp_path / "r.pb.gz")], capsys)
    assert code == 2 and "not a format of lsim run" in err


@pytest.mark.timeout(180)
def test_profile_output_pb_gz_is_pprof_for_go_tool_pprof(tmp_path: Path) -> None:
    (tmp_path / "hot.yaml").write_text(HOT)
    done = lsim(["profile", "-w", "hot.yaml", "--store", "mutex", "-o", "p.pb.gz"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert gzip.decompress((tmp_path / "p.pb.gz").read_bytes())
    saved = list((tmp_path / "profiles").glob("mutex-hot-*.json"))
    assert len(saved) == 1  # the profile itself is still saved, for show and diff
    err = done.stderr.decode()
    assert "wrote p.pb.gz (pprof)" in err and "profile saved to profiles/" in err
    go = shutil.which("go")
    if go is None:
        return  # the rest needs Go's pprof (.ci/run installs golang-go)
    top = subprocess.run(
        [go, "tool", "pprof", "-top", "p.pb.gz"], cwd=tmp_path, capture_output=True
    )
    assert top.returncode == 0 and b"sync" in top.stdout, top.stderr
    # and through a pipe: lsim profile show P -f pprof | go tool pprof -top /dev/stdin
    show = f"{sys.executable} -m lsim profile show {saved[0]} -f pprof"
    shell = f"{show} | {go} tool pprof -top /dev/stdin"
    piped = subprocess.run(
        shell,
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert piped.returncode == 0 and b"Type: delay" in piped.stdout, piped.stderr


def test_workload_new_force_flag_and_show_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "w.yaml"
    code, _, _ = run_cli(["workload", "new", "w", "-o", str(target)], capsys)
    assert code == 0
    code, _, err = run_cli(["workload", "new", "w", "-o", str(target), "--no-force"], capsys)
    assert code == 2 and "--force" in err
    code, _, _ = run_cli(["workload", "new", "w", "-o", str(target), "--force"], capsys)
    assert code == 0
    shown = tmp_path / "w.json"
    args = ["workload", "show", str(target), "--steps", "50", "-o", str(shown)]
    code, out, _ = run_cli(args, capsys)
    assert code == 0 and out == ""
    assert json.loads(shown.read_text())["workload"]["name"] == "w"
