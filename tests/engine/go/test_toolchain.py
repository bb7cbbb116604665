"""Finding Go, building the program once, and the messages when either fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lsim.cli.app import main
from lsim.engine.go import toolchain
from lsim.errors import IntegrationError
from tests.engine.go.conftest import needs_go


def test_without_go_the_engine_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(toolchain, "find_go", lambda: None)
    with pytest.raises(SystemExit) as exited:
        main(["run", "--engine", "go", "--threads", "10", "--duration", "0.2"])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "needs the Go toolchain (go >= 1.19)" in err and "golang-go" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_version_is_read_from_go_output() -> None:
    assert toolchain.parse_go_version("go1.19.8") == (1, 19)
    assert toolchain.parse_go_version("go version go1.27.3 linux/amd64") == (1, 27)
    with pytest.raises(IntegrationError):
        toolchain.parse_go_version("devel")


@needs_go
def test_build_is_cached_by_source_and_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "go.mod").write_text("module lsimcheck\n\ngo 1.19\n")
    (src / "main.go").write_text('package main\n\nfunc main() { println("ok") }\n')
    monkeypatch.setattr(toolchain, "SOURCE_DIR", src)
    monkeypatch.setenv("LSIM_CACHE_DIR", str(tmp_path / "cache"))
    first, chain, built = toolchain.program()
    again, _, built_again = toolchain.program(chain)
    assert built and not built_again and first == again and first.is_file()
    assert chain.version in first.parent.name
    (src / "main.go").write_text('package main\n\nfunc main() { println("changed") }\n')
    changed, _, built_changed = toolchain.program(chain)
    assert built_changed and changed != first


@needs_go
def test_a_build_failure_shows_the_compiler_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src"
    shutil.copytree(toolchain.SOURCE_DIR, src)
    (src / "broken.go").write_text("package main\n\nfunc broken() { undefinedThing() }\n")
    monkeypatch.setattr(toolchain, "SOURCE_DIR", src)
    monkeypatch.setenv("LSIM_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(SystemExit) as exited:
        main(["run", "--engine", "go", "--threads", "10", "--duration", "0.2"])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "building the go engine" in err and "undefinedThing" in err
    assert "Traceback" not in err
    assert not list((tmp_path / "cache").rglob("lsimgo"))  # nothing half-built is kept
