"""The dump grammar on hand-built records: formats no Go here prints, damage, bad input.

Built from Go 1.27.3's runtime/traceback.go (goroutineheader, printcreatedby1, traceback2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsim.analyze.census import analyze_files
from lsim.analyze.grammar import Parser, Record
from lsim.analyze.source import DumpFormatError
from tests.analyze.helpers import ALLOY, GLR, GOA, MUT, blocked_frames, fixture, goroutine, write


def records(text: str) -> list[Record]:
    return [e for e in Parser("t").parse(text.splitlines()) if isinstance(e, Record)]


def test_header_variants() -> None:
    text = "\n".join(
        [
            goroutine(1, "running", ["main.main"], parent=None),
            goroutine(7, "sync.Mutex.Lock, 12 minutes, locked to thread", ["main.f"]),
            goroutine(8, "select (leaked)", ["main.g"]),
            goroutine(9, "chan receive (scan), synctest bubble 3", ["main.h"]),
        ]
    )
    text = text.replace("goroutine 7 [", "goroutine 7 gp=0xc000007c00 m=nil [")
    text = text.replace(
        "goroutine 8 [select (leaked)]:", 'goroutine 8 [select (leaked)] {"k": "v]"}:'
    )
    recs = records(text)
    assert [r.goroutine for r in recs] == [1, 7, 8, 9]
    assert recs[1].status == "sync.Mutex.Lock" and recs[1].minutes == 12 and recs[1].locked
    assert recs[2].status == "select"
    assert recs[3].status == "chan receive"
    assert recs[1].parent == 1 and recs[0].parent == -1


def test_frames_created_by_and_elided() -> None:
    text = goroutine(5, "semacquire", ["a.b", "c.(*T).M", "panic"])
    text = text.replace("created by", "...additional frames elided...\ncreated by")
    (rec,) = records(text)
    assert rec.functions == ["a.b", "c.(*T).M", "panic"]
    assert rec.files == ["/src/a.go:10", "/src/c.go:11", "/src/panic.go:12"]
    assert rec.elided and rec.created_by == "main.main" and rec.parent == 1


def test_other_thread_and_ancestors() -> None:
    text = (
        "goroutine 3 [running]:\n\tgoroutine running on other thread; stack unavailable\n"
        "created by main.main in goroutine 1\n\t/src/main.go:9 +0x1\n\n"
        + goroutine(4, "chan receive", ["main.w"]).replace(
            "created by",
            "[originating from goroutine 1]:\nmain.main(...)\n\t/m.go:3 +0x1\ncreated by",
        )
    )
    recs = records(text)
    assert [r.goroutine for r in recs] == [3, 4]
    assert recs[0].functions == [] and recs[1].functions == ["main.w"]


def test_no_blank_line_between_records() -> None:
    text = goroutine(1, "running", ["main.main"]) + goroutine(2, "sleep", ["time.Sleep"])
    assert [r.goroutine for r in records(text)] == [1, 2]


@pytest.mark.parametrize("cut", range(1, 200, 7))
def test_a_cut_last_record_is_kept(tmp_path: Path, cut: int) -> None:
    full = (
        goroutine(1, "running", ["main.main"])
        + "\n"
        + goroutine(2, "sync.Mutex.Lock", blocked_frames(GOA))
    )
    (d,) = analyze_files([write(tmp_path, full[: len(full) - cut])]).dumps
    assert d.goroutines == 2


def test_a_record_cut_after_a_frame_is_marked_truncated(tmp_path: Path) -> None:
    text = goroutine(2, "sync.Mutex.Lock", blocked_frames(GOA))
    text = text[: text.index("\t", text.index("main.scrape"))]  # no file line after the frame
    (d,) = analyze_files([write(tmp_path, text)]).dumps
    assert d.truncated and d.blocked == 1


def test_a_repeated_goroutine_id_starts_another_dump(tmp_path: Path) -> None:
    one = (
        goroutine(1, "running", ["main.main"])
        + "\n"
        + goroutine(9, "sync.Mutex.Lock", blocked_frames(GLR))
    )
    dumps = analyze_files([write(tmp_path, one + "\n" + one)]).dumps
    assert [d.blocked for d in dumps] == [1, 1]
    assert dumps[1].source.endswith("#2")


def test_debug1_several_profiles_and_labels(tmp_path: Path) -> None:
    one = fixture("go1.27-mutex-debug1.txt").read_text()
    labelled = one.replace("\n#\t", '\n# labels: {"job":"x"}\n#\t', 1)
    dumps = analyze_files([write(tmp_path, labelled + "\n" + one)]).dumps
    assert len(dumps) == 2
    assert dumps[0].cells == dumps[1].cells


def test_go120_format_names_locks_without_in_goroutine(tmp_path: Path) -> None:
    text = "\n".join(
        goroutine(i, "sync.Mutex.Lock", blocked_frames(GOA)[1:], parent=None) for i in (5, 6)
    )
    text = text.replace("internal/sync.", "sync.")  # Go 1.20-1.23: no internal/sync yet
    (d,) = analyze_files([write(tmp_path, text)]).dumps
    assert d.go_release() == "Go 1.20"
    assert d.cells[("sync.Mutex.Lock", GOA, MUT)] == 2


def test_blocked_elsewhere_is_not_blocked_on_the_store(tmp_path: Path) -> None:
    text = "\n".join(
        [
            goroutine(
                5,
                "sync.Mutex.Lock",
                ["sync.runtime_SemacquireMutex", "sync.(*Mutex).Lock", "tsdb.(*DB).Append"],
            ),  # fmt: skip
            goroutine(6, "sync.RWMutex.RLock", blocked_frames(GLR, "r")),
            goroutine(7, "sync.RWMutex.Lock", blocked_frames(GOA, "w")),
            goroutine(8, "runnable", blocked_frames(GOA)),  # woken, not yet running
        ]
    )
    (d,) = analyze_files([write(tmp_path, text)]).dumps
    assert d.cells[("sync.Mutex.Lock elsewhere", "", "")] == 1
    assert d.cells[("sync.RWMutex.RLock", GLR, MUT)] == 1
    assert d.cells[("sync.RWMutex.Lock", GOA, MUT)] == 1
    assert d.cells[("runnable", GOA, MUT)] == 1
    assert d.blocked == 2


def test_own_store_and_lock_regexes(tmp_path: Path) -> None:
    text = "\n".join(
        goroutine(
            i,
            "semacquire",
            [
                "sync.runtime_SemacquireMutex",
                "sync.(*Mutex).lockSlow",
                "sync.(*Mutex).Lock",
                "myapp/cache.(*LRU).Get",
                "main.handler",
            ],
            parent=None,
        )  # fmt: skip
        for i in (3, 4, 5)
    )
    path = write(tmp_path, text)
    (default,) = analyze_files([path]).dumps
    assert default.blocked == 0  # not a labelstore
    (own,) = analyze_files([path], store_method=r"cache\.\(\*LRU\)\.(?P<method>\w+)$").dumps
    assert own.cells[("sync.Mutex.Lock", "Get", "cache.LRU.mut")] == 3


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("hello\n", ":1:"),
        ('\n\n{"kind": 1}\n', ":3:"),
        ("goroutine 1 [running]:\nmain.main()\n\t/m.go:1 +0x1\n\nsomething else\nmore\n", ":5:"),
        ("goroutine 1 [running]:\nmain.main()\nnot a file line\nmore\n", ":3:"),
        ("goroutine profile: total 3\n3 @ 0x1\nrubbish\nmore\n", ":3:"),
    ],
)
def test_not_a_dump_names_the_line(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(DumpFormatError) as error:
        analyze_files([write(tmp_path, text)])
    message = str(error.value)
    assert where in message and "\n" not in message


def test_empty_and_binary_files(tmp_path: Path) -> None:
    for data in (b"", b"\n\n", b"\x00\x01\x02garbage\xff"):
        path = tmp_path / "x"
        path.write_bytes(data)
        with pytest.raises(DumpFormatError):
            analyze_files([path])


def test_mixed_go_versions_in_one_file(tmp_path: Path) -> None:
    text = fixture("go1.19-mutex.txt").read_text() + "\n" + fixture("go1.27-mutex.txt").read_text()
    with pytest.raises(DumpFormatError, match="mixed Go versions"):
        analyze_files([write(tmp_path, text)])


def test_a_cut_gzip_stream_is_a_truncated_dump(tmp_path: Path) -> None:
    data = fixture("go1.27-sharded.txt.gz").read_bytes()
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    (d,) = analyze_files([path]).dumps
    assert d.truncated and d.goroutines > 0


def test_store_method_regex_is_checked() -> None:
    from lsim.errors import ConfigError

    with pytest.raises(ConfigError, match="--store-method"):
        analyze_files([fixture("go1.27-mutex.txt")], store_method="(")


def test_alloy_and_lsim_and_sharded_frames_match_the_default() -> None:
    import re

    from lsim.analyze.classify import DEFAULT_STORE_METHOD

    pattern = re.compile(DEFAULT_STORE_METHOD)
    for fn in (
        f"{ALLOY}.(*Service).GetOrAddGlobalRefID",
        "lsim/labelstore.(*Service).GetLocalRefID",
        "lsim/labelstore.(*ShardedService).TrackStaleness",
        "lsim/labelstore.(*FineGrainedService).Collect",
    ):
        assert pattern.search(fn), fn
    assert not pattern.search("lsim/labelstore.(*globalIDs).getOrAdd")


def test_a_created_by_line_with_no_function(tmp_path: Path) -> None:
    """``created by `` with nothing after it (hypothesis found it in a damaged dump): at the
    very end it is a cut record, kept and marked truncated; before the end, a one-line error
    naming the line."""
    text = goroutine(2, "sync.Mutex.Lock", blocked_frames(GOA))
    cut = text[: text.index("created by ") + len("created by ")]
    (d,) = analyze_files([write(tmp_path, cut)]).dumps
    assert d.truncated and d.blocked == 1
    middle = cut + "\n\t/x.go:1 +0x1\n\n" + goroutine(3, "running", ["main.main"])
    with pytest.raises(DumpFormatError, match="a function after 'created by'"):
        analyze_files([write(tmp_path, middle)])
