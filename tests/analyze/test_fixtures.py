"""Real dumps written by Go 1.19.8 and Go 1.27.3 (tests/analyze/fixtures/README.md)."""

from __future__ import annotations

import pytest

from lsim.analyze.census import DumpCensus
from tests.analyze.helpers import GLR, GO119, GO127, GOA, MUT, analyze


def only(name: str) -> DumpCensus:
    (dump,) = analyze(name).dumps
    return dump


@pytest.mark.parametrize("name", [p.name for p in (*GO119, *GO127)])
def test_every_fixture_reads(name: str) -> None:
    d = only(name)
    assert d.goroutines > 0
    assert sum(d.cells.values()) == d.goroutines


@pytest.mark.parametrize("version", ["1.19", "1.27"])
def test_mutex_dump_gives_the_table(version: str) -> None:
    d = only(f"go{version}-mutex.txt")
    assert d.cells[("sync.Mutex.Lock", GOA, MUT)] == 6
    assert d.cells[("sync.Mutex.Lock", GLR, MUT)] == 5
    assert d.blocked == 11
    # the holder parks inside the store; main runs the dump; three sleep
    assert d.cells[("chan receive", "CheckAndRemoveStaleMarkers", "")] == 1
    assert d.cells[("sleep", "", "")] == 3
    assert d.cells[("running", "", "")] == 1
    assert d.goroutines == 16


def test_go119_semacquire_gets_the_newer_names_from_frames() -> None:
    d = only("go1.19-rwmutex.txt")
    assert d.cells[("sync.RWMutex.Lock", GOA, MUT)] == 6  # a writer on the inner mutex
    assert d.cells[("sync.RWMutex.RLock", GLR, MUT)] == 5
    assert d.go_release() == "Go <= 1.19"


def test_go127_rwmutex_writer_on_its_inner_mutex_is_an_rwmutex_writer() -> None:
    d = only("go1.27-rwmutex.txt")  # Go prints [sync.Mutex.Lock] for it
    assert d.cells[("sync.RWMutex.Lock", GOA, MUT)] == 6
    assert d.cells[("sync.RWMutex.RLock", GLR, MUT)] == 5
    assert d.go_release() == "Go >= 1.24"


@pytest.mark.parametrize("name", ["go1.19-sharded.txt", "go1.27-sharded.txt"])
def test_shards_are_told_apart_by_the_mutex_address(name: str) -> None:
    d = only(name)
    locks = {lock for (_, _, lock) in d.cells if lock}
    assert locks == {f"labelstore.shard[{i:02d}].mut" for i in range(4)}
    assert d.blocked == 11
    assert d.blocked_by_operation() == {GOA: 6, GLR: 5}


def test_debug1_counts_groups_and_reads_lock_waits_from_frames() -> None:
    d = only("go1.19-sharded-debug1.txt")
    assert d.debug == 1 and d.total_header == d.goroutines == 19
    assert d.blocked_by_operation() == {GOA: 6, GLR: 5}
    assert d.cells[("sleep", "", "")] == 3
    assert d.cells[("waiting", "CheckAndRemoveStaleMarkers", "")] == 4  # no states in debug=1
    d27 = only("go1.27-mutex-debug1.txt")
    assert d27.blocked_by_operation() == {GOA: 6, GLR: 5}


def test_gzip_reads_like_plain() -> None:
    plain = only("go1.27-sharded.txt")
    packed = only("go1.27-sharded.txt.gz")
    assert packed.cells == plain.cells


@pytest.mark.parametrize(
    ("name", "minutes"), [("go1.19-minutes.txt", 1), ("go1.27-minutes.txt", 1)]
)
def test_wait_ages(name: str, minutes: int) -> None:
    d = only(name)
    assert d.blocked == 5
    assert d.waits == {minutes: 5}


def test_sigquit_dumps_skip_the_signal_and_the_registers() -> None:
    d = only("go1.27-sigquit-gotraceback-system.txt")  # gp= m= headers, fp= sp= pc=
    assert d.blocked_by_operation() == {GOA: 2, GLR: 2}
    assert ("idle", "", "") in d.cells  # goroutine 0, the scheduler
    d19 = only("go1.19-sigquit-sharded.txt")
    assert d19.blocked_by_operation() == {GOA: 2, GLR: 2}


def test_a_panic_report_reads() -> None:
    d = only("go1.19-panic.txt")
    assert d.goroutines == 1
    assert d.cells[("running", GLR, "")] == 1


def test_versions() -> None:
    assert only("go1.19-mutex.txt").go_release() == "Go <= 1.19"
    assert only("go1.27-mutex.txt").go_release() == "Go >= 1.24"


def test_several_files_are_several_dumps() -> None:
    a = analyze("go1.19-mutex.txt", "go1.27-mutex.txt", "go1.19-sharded.txt")
    assert [d.blocked for d in a.dumps] == [11, 11, 11]
    assert a.representative() is a.dumps[0]
