"""Help that behaves like other tools: -h and --help, flags shown as flags, choices listed,
an example in every command's help, and shell completion."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from lsim.cli.app import _register_commands, app, main

REPO = Path(__file__).resolve().parents[2]


def all_commands() -> Iterator[list[str]]:
    """Every command path: [], ["run"], ["profile"], ["profile", "show"], ..."""
    _register_commands()
    root = typer.main.get_command(app)

    def walk(command: object, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    yield from walk(root, [])


COMMANDS = list(all_commands())


def help_text(path: list[str], flag: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*path, flag])
    assert exited.value.code in (0, None)
    return capsys.readouterr().out


def test_every_command_is_listed() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert {"run", "profile", "profile show", "profile diff", "compare", "sweep", "stores"} <= names
    assert {"workload validate", "workload show", "workload new"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "lsim")
def test_h_and_help_show_the_same_help_with_an_example(
    path: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    short = help_text(path, "-h", capsys)
    assert short == help_text(path, "--help", capsys)
    assert "Usage: lsim" in short
    assert "Example" in short, f"lsim {' '.join(path)} --help has no example"
    assert "<bool>" not in short  # flags take no value


@pytest.mark.parametrize(
    ("path", "needles"),
    [
        (["run"], ["text|json", "threads|model|go", "mutex, rwmutex, finegrained"]),
        (["profile"], ["pprof-mutex", "svg", "threads|model|go", "--no-py-spy"]),
        (["profile", "show"], ["speedscope", "goroutines1", "svg"]),
        (["profile", "diff"], ["text|json|markdown"]),
        (["compare"], ["text|json|markdown|csv"]),
        (["workload", "show"], ["text|json"]),
        (["workload", "new"], ["--no-force"]),
    ],
)
def test_choices_and_flag_pairs_are_listed(
    path: list[str],
    needles: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # no wrapping inside the type column
    text = help_text(path, "--help", capsys)
    flat = " ".join(text.replace("│", " ").split())  # help text wrapped inside rich's boxes
    for needle in needles:
        assert needle in flat, f"{needle!r} not in lsim {' '.join(path)} --help"


def test_completion_options_exist(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text([], "--help", capsys)
    assert "--install-completion" in text and "--show-completion" in text


def complete(words: str) -> list[str]:
    """What bash completion offers for the last word of ``words`` (typer's protocol)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "_LSIM_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    done = subprocess.run(
        [sys.executable, "-c", "from lsim.cli.app import main; main()", *words.split()[1:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout.split()


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("lsim ", {"run", "profile", "compare", "workload"}),
        ("lsim run --store ", {"mutex", "sharded", "lockfree"}),
        ("lsim run --engine ", {"threads", "model", "go"}),
        ("lsim run -f ", {"text", "json"}),
        ("lsim profile show p.json -f pp", {"pprof", "pprof-mutex"}),
    ],
)
def test_bash_completion_offers_commands_and_choices(words: str, expected: set[str]) -> None:
    offered = set(complete(words))
    assert expected <= offered, offered


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_for_bash_zsh_fish(shell: str) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", "from lsim.cli.app import main; main()", "--show-completion", shell],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "_LSIM_COMPLETE" in done.stdout
