"""The Terminal: data to stdout, the rest to stderr; styled on a terminal, plain elsewhere."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lsim.cli.terminal import Terminal, terminal

REPO = Path(__file__).resolve().parents[2]
ESC = "\x1b["


class Tty(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def colour_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment in which rich writes colour to a terminal."""
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def test_data_goes_to_stdout_and_everything_else_to_stderr() -> None:
    out, err = io.StringIO(), io.StringIO()
    term = Terminal(stdout=out, stderr=err, environ={})
    term.data("report")
    term.data("table\n")
    term.data("")
    term.message("wrote r.json")
    term.progress("run: measuring, 10 s")
    term.warning("different workloads")
    term.error("no such file")
    assert out.getvalue() == "report\ntable\n"  # one newline each, none added to nothing
    assert err.getvalue() == (
        "wrote r.json\nrun: measuring, 10 s\nwarning: different workloads\nerror: no such file\n"
    )


def test_binary_data_goes_to_stdouts_byte_stream_after_pending_text() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=False)
    term = Terminal(stdout=out, stderr=io.StringIO())
    term.data("head")
    term.data_bytes(b"\x1f\x8b\x00")
    assert raw.getvalue() == b"head\n\x1f\x8b\x00"


def test_plain_when_not_a_terminal(colour_env: None) -> None:
    err = io.StringIO()
    term = Terminal(stdout=io.StringIO(), stderr=err)
    assert not term.styled("stdout") and not term.styled("stderr")
    term.error("pip install 'lsim[plot]'")
    assert err.getvalue() == "error: pip install 'lsim[plot]'\n"


def test_styled_on_a_terminal(colour_env: None) -> None:
    err = Tty()
    term = Terminal(stdout=io.StringIO(), stderr=err)
    assert term.styled("stderr") and not term.styled("stdout")
    term.error("[bold]not markup[/]")
    written = err.getvalue()
    assert ESC in written  # a red prefix
    assert "[bold]not markup[/]" in written  # the message is text, never rich markup


def test_no_color_means_plain_even_on_a_terminal(colour_env: None) -> None:
    out, err = Tty(), Tty()
    term = Terminal(stdout=out, stderr=err, environ={"NO_COLOR": "1"})
    assert term.is_terminal("stdout") and term.is_terminal("stderr")  # a bar is still a bar
    assert not term.styled("stdout") and not term.styled("stderr")
    term.error("failed")
    assert err.getvalue() == "error: failed\n"
    assert term.console("stderr").no_color  # and the live bar has no colour either
    assert Terminal(stderr=err, environ={"NO_COLOR": ""}).styled("stderr")  # empty: unset


def test_rich_renderables_go_to_the_stream_asked_for(colour_env: None) -> None:
    from rich.table import Table

    out, err = Tty(), Tty()
    table = Table("design")
    table.add_row("mutex")
    Terminal(stdout=out, stderr=err).rich(table)
    assert "mutex" in out.getvalue() and err.getvalue() == ""


def test_a_plain_error_drops_control_characters_as_the_styled_one_does() -> None:
    err = io.StringIO()
    Terminal(stderr=err, environ={}).error("bad\rname\x07\tend")
    assert err.getvalue() == "error: badname  end\n"  # the tab to the next 8th column


def test_the_process_terminal_uses_the_streams_of_the_moment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    terminal().data("to stdout")
    terminal().message("to stderr")
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("to stdout\n", "to stderr\n")


def test_a_capture_is_neither_a_terminal_nor_a_pipe(capsys: pytest.CaptureFixture[str]) -> None:
    assert not terminal().is_terminal("stdout") and not terminal().is_pipe()


def test_plain_output_imports_no_rich() -> None:
    code = (
        "import sys\n"
        "from lsim.cli.terminal import terminal\n"
        "t = terminal(); t.data('d'); t.message('m'); t.warning('w'); t.error('e')\n"
        "sys.stderr.write(' '.join(m for m in sys.modules if m.startswith('rich')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout == "d\n"
    assert done.stderr == "m\nwarning: w\nerror: e\n"  # and no rich module after them
