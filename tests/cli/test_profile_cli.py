"""``lsim profile``: run + save, ``show`` in every format, ``diff``; errors exit 2."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from lsim.cli.app import main
from lsim.profile.model import load_profile
from lsim.render import RENDERER_NAMES, get_renderer

HOT = (
    "name: hot\nthreads: {count: 40}\nrun: {duration_s: 0.5, warmup_s: 0.1}\n"
    "series: {count: 500, prepopulated: 250}\n"
)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two real profiles of one workload: mutex and sharded."""
    root = tmp_path_factory.mktemp("profiles")
    workload = root / "hot.yaml"
    workload.write_text(HOT)
    paths = []
    for name, flags in (("mutex", ["--store", "mutex"]), ("sharded", ["--shards", "8"])):
        path = root / f"{name}.json"
        with pytest.raises(SystemExit) as exited:
            main(["profile", "--workload", str(workload), *flags, "-o", str(path), "-f", "json"])
        assert exited.value.code in (0, None)
        paths.append(path)
    return paths[0], paths[1]


@pytest.mark.timeout(120)
def test_profile_saves_a_loadable_profile(saved: tuple[Path, Path]) -> None:
    mutex, sharded = saved
    assert load_profile(mutex).store == "mutex"
    profile = load_profile(sharded)
    assert profile.store == "sharded" and profile.store_options == {"shards": 8}
    assert profile.census_samples > 0


@pytest.mark.timeout(120)
def test_profile_default_path_is_under_profiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hot.yaml").write_text(HOT)
    code, _, err = run_cli(["profile", "--workload", "hot.yaml", "-f", "summary"], capsys)
    assert code == 0
    written = list((tmp_path / "profiles").glob("mutex-hot-*.json"))
    assert len(written) == 1 and f"profile saved to {Path('profiles') / written[0].name}" in err


@pytest.mark.parametrize(
    "fmt",
    [f for f in RENDERER_NAMES if not f.startswith("pprof") and get_renderer(f).engines is None],
)
def test_show_renders_text_formats(
    fmt: str, saved: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["profile", "show", str(saved[0]), "-f", fmt], capsys)
    assert code == 0 and out.strip()
    if fmt in ("json", "speedscope"):
        json.loads(out)
    if fmt == "goroutines":
        assert out.startswith("goroutine ")


def test_show_binary_format_refuses_a_terminal_and_picks_format_by_suffix(
    saved: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as terminal:  # to a pipe it goes to stdout (test_output_rule)
        terminal.setattr("sys.stdout.isatty", lambda: True)
        code, _, err = run_cli(["profile", "show", str(saved[0]), "-f", "pprof"], capsys)
    assert code == 2 and "binary" in err
    out = tmp_path / "block.pb.gz"
    code, _, _ = run_cli(["profile", "show", str(saved[0]), "-o", str(out)], capsys)
    assert code == 0
    assert gzip.decompress(out.read_bytes())  # a gzipped protobuf


def test_diff_names_both_sides(
    saved: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["profile", "diff", str(saved[0]), str(saved[1])], capsys)
    assert code == 0
    assert "mutex" in out and "sharded" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["profile", "show", "/nonexistent.json"], "cannot read"),
        (["profile", "show", "{saved}", "-f", "nosuch"], "known formats"),
        (["profile", "show", "{saved}", "-o", "out.csv"], "not a format of lsim profile show"),
        (["profile", "-f", "nosuch"], "known formats"),
        (["profile", "--engine", "model", "--py-spy"], "--engine threads"),
    ],
)
def test_profile_user_errors(
    args: list[str], needle: str, saved: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.replace("{saved}", str(saved[0])) for a in args]
    code, _, err = run_cli(args, capsys)
    assert code == 2, err
    assert needle in err and "Traceback" not in err


def test_show_rejects_profile_of_another_format_version(
    saved: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(saved[0].read_text())
    data["format_version"] = 99
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(data))
    code, _, err = run_cli(["profile", "show", str(newer)], capsys)
    assert code == 2 and "format version 99" in err and "upgrade lsim" in err
