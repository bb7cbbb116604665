"""The renderer registry: names, options, suffix lookup, and its error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsim.errors import ConfigError
from lsim.profile.model import Profile
from lsim.render import (
    BINARY_FORMATS,
    DESCRIPTIONS,
    RENDERER_NAMES,
    SUFFIXES,
    formats_table,
    get_renderer,
    renderer_for_path,
)
from lsim.render.goroutines import GoroutineDump
from lsim.render.pprof import PprofRenderer


def test_every_name_builds_and_renders(mutex_profile: Profile) -> None:
    for name in RENDERER_NAMES:
        renderer = get_renderer(name)
        if not renderer.applies_to(mutex_profile):
            continue  # go-dump, go-pprof-*: only go-engine profiles keep real output
        out = renderer.render(mutex_profile)
        assert isinstance(out, bytes if renderer.binary else str), name
        assert out, name


def test_names_are_the_documented_ones() -> None:
    assert set(RENDERER_NAMES) == {
        "summary",
        "goroutines",
        "goroutines1",
        "pprof",
        "pprof-goroutine",
        "pprof-block",
        "pprof-mutex",
        "folded",
        "svg",
        "speedscope",
        "json",
        "go-dump",
        "go-pprof-block",
        "go-pprof-mutex",
        "go-pprof-goroutine",
    }


def test_unknown_name_lists_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown format 'flame'.*summary.*pprof-mutex"):
        get_renderer("flame")


@pytest.mark.parametrize(
    ("path", "name", "cls"),
    [
        ("out/p.pb.gz", "pprof", PprofRenderer),
        ("p.folded", "folded", None),
        ("P.SPEEDSCOPE.JSON", "speedscope", None),
        ("p.json", "json", None),
        ("report.txt", "summary", None),
        ("x.dump", "goroutines", GoroutineDump),
        ("x.goroutines", "goroutines", GoroutineDump),
        ("x.pprof", "pprof", PprofRenderer),
        ("flame.svg", "svg", None),
    ],
)
def test_suffix_lookup(path: str, name: str, cls: type | None) -> None:
    renderer = renderer_for_path(path)
    assert renderer.name == name
    assert path.lower().endswith(renderer.suffixes) or name == "pprof"
    if cls is not None:
        assert isinstance(renderer, cls)


def test_unknown_suffix_is_a_user_error() -> None:
    with pytest.raises(ConfigError, match=r"cannot tell the format of 'p\.png'.*\.pb\.gz"):
        renderer_for_path("p.png")


def test_readme_table_of_formats_is_the_registry() -> None:
    """README.md's table between the markers is ``formats_table()`` (``python -m lsim.render``
    prints it): a renderer added, renamed or given a suffix shows up as a failure here."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start, end = "<!-- formats: python -m lsim.render -->\n", "<!-- /formats -->"
    assert start in readme and end in readme
    table = readme.split(start, 1)[1].split(end, 1)[0]
    assert table == formats_table(), (
        "README.md's formats table differs: paste python -m lsim.render"
    )


def test_every_format_has_a_description_and_suffixes_name_formats() -> None:
    assert set(DESCRIPTIONS) == set(RENDERER_NAMES) and all(DESCRIPTIONS.values())
    assert set(SUFFIXES.values()) <= set(RENDERER_NAMES)
    assert {n for n in RENDERER_NAMES if get_renderer(n).binary} == BINARY_FORMATS


def test_variants_and_option_overrides() -> None:
    assert isinstance(get_renderer("pprof-mutex"), PprofRenderer)
    assert get_renderer("pprof-mutex").kind == "mutex"  # type: ignore[attr-defined]
    assert get_renderer("pprof").kind == "block"  # type: ignore[attr-defined]
    assert get_renderer("pprof", kind="goroutine").kind == "goroutine"  # type: ignore[attr-defined]
    dump = get_renderer("goroutines1", go_version="1.19")
    assert isinstance(dump, GoroutineDump) and dump.debug == 1 and dump.go_version == "1.19"
    assert get_renderer("pprof").binary and not get_renderer("folded").binary


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("pprof", {"kind": "cpu"}, "pprof kind must be one of goroutine, block, mutex"),
        ("goroutines", {"debug": 3}, "debug must be 1 or 2"),
        ("goroutines", {"go_version": "latest"}, "go_version must look like 1.21"),
    ],
)
def test_bad_options_fail_at_construction(
    name: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        get_renderer(name, **options)
