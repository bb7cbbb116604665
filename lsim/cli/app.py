"""The typer application, global options and the one place user errors are turned into exit 2.

Commands live in their own modules and import heavy modules (rich, yaml, the engines, the
renderers) inside the command function, so that ``lsim --version``, ``lsim --help`` and
``lsim stores`` start fast (``benchmarks/startup.py``). Diagnostics go to stderr; data goes
to stdout, both through :mod:`lsim.cli.terminal`.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

from lsim import __version__
from lsim.cli.terminal import terminal
from lsim.errors import LsimError

if TYPE_CHECKING:
    from typer import _click

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


def _tidy_flags(params: list[Any]) -> list[Any]:
    """Boolean flags take no value: show none in ``--help`` (typer prints ``<bool>``), and
    default the built-in ones (``--help``, completion) to False instead of None so no value
    coercion (which imports pydantic, ~50 ms) runs when they are not given."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag:
            if param.metavar is None:
                param.metavar = ""
            if param.default is None:
                param.default = False
    return params


class LsimCommand(TyperCommand):
    """A command whose flags show as flags."""

    def get_params(self, ctx: _click.Context) -> list[Any]:
        return _tidy_flags(super().get_params(ctx))


class LsimGroup(TyperGroup):
    """A group (``lsim``, ``lsim profile``, ``lsim workload``) whose flags show as flags."""

    def get_params(self, ctx: _click.Context) -> list[Any]:
        return _tidy_flags(super().get_params(ctx))


app = typer.Typer(
    name="lsim",
    help=(
        "Try locking designs for a hot, contended store (Grafana Alloy's labelstore) before "
        "rewriting the Go service: generate label workloads, drive any of eight store designs "
        "with thousands of threads, and read the lock-wait profile like a goroutine dump.\n\n"
        "`lsim COMMAND -h` shows a command's options and examples. Examples:\n\n"
        "* `lsim run`\n"
        "* `lsim compare --stores mutex,sharded -f markdown`\n"
        "* `lsim profile -o mutex.pb.gz && go tool pprof -top mutex.pb.gz`"
    ),
    cls=LsimGroup,
    context_settings=CONTEXT_SETTINGS,
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish)
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstring paragraphs reflow instead of keeping line breaks
)


def sub_app(name: str, help: str | None = None, **kwargs: Any) -> typer.Typer:
    """A command group (``lsim profile``, ``lsim workload``) that behaves like ``app``.

    Without ``help`` the group's help is its callback's docstring.
    """
    kwargs.setdefault("no_args_is_help", True)
    return typer.Typer(
        name=name,
        help=help,
        cls=LsimGroup,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="markdown",
        **kwargs,
    )


def _version(value: bool) -> None:
    if value:
        from lsim.model_core import model_core

        # the optional compiled core (LSIM_COMPILE=1 pip install .) gives the same results,
        # so no run output names it: this is where a user sees which one is installed
        terminal().data(f"lsim {__version__}\n{model_core().describe()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print the version and which model core is installed.",
        ),
    ] = False,
) -> None:
    """lsim: lock-contention experiments for the Alloy labelstore."""


def _register_commands() -> None:
    # One explicit list: each module adds its command(s) to ``app`` when imported.
    from lsim.cli import commands  # noqa: F401

    _use_lsim_classes(app)


def _use_lsim_classes(typer_app: typer.Typer) -> None:
    """Every command of ``typer_app`` (and its groups) is built as an :class:`LsimCommand`."""
    for info in typer_app.registered_commands:
        if info.cls in (None, TyperCommand):  # typer fills in its own class
            info.cls = LsimCommand
    for group in typer_app.registered_groups:
        if isinstance(group.typer_instance, typer.Typer):
            _use_lsim_classes(group.typer_instance)


def report_error(error: LsimError) -> int:
    terminal().error(str(error))
    return error.exit_code


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app, turning :class:`LsimError` into exit 2.

    Typer (standalone mode) reports usage mistakes itself (exit 2) and exits; our own
    user errors propagate out of the command as :class:`LsimError` and are printed here as
    one line, never a traceback.
    """
    _register_commands()
    previous = _handle_signals()
    try:
        app(args=argv, prog_name="lsim")  # also under `python -m lsim` (usage, completion)
    except LsimError as error:
        sys.exit(report_error(error))
    except KeyboardInterrupt:
        terminal().message("interrupted")
        sys.exit(130)
    finally:
        from lsim.engine.interrupt import state

        if argv is not None or not state.ever:  # in-process callers get theirs back
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        else:  # the rest of a burst of Ctrl-Cs must not kill the exiting process (exit 130)
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, signal.SIG_IGN)  # kept through interpreter shutdown


def _on_signal(signum: int, frame: object) -> None:
    """Outside a run, Ctrl-C and SIGTERM stop the command (exit 130). After a run that was
    interrupted, the rest of a burst is ignored: the command is writing what was measured."""
    from lsim.engine.interrupt import state

    if not state.ever:
        raise KeyboardInterrupt


def _handle_signals() -> dict[int, Any]:
    """SIGTERM behaves like Ctrl-C; the engines replace both with a flag while they run."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    from lsim.engine.interrupt import state  # imported now, not inside the handler

    state.ever = False
    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.getsignal(signum)
        signal.signal(signum, _on_signal)
    if hasattr(signal, "SIGXFSZ"):
        # A file-size limit (ulimit -f) must fail a write (EFBIG, reported) instead of
        # killing the process half-way through it.
        previous[signal.SIGXFSZ] = signal.getsignal(signal.SIGXFSZ)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return previous


def command(name: str | None = None, **kwargs: object) -> Callable[..., object]:
    """Shorthand for ``app.command`` used by the command modules."""
    return app.command(name, **kwargs)  # type: ignore[arg-type]
