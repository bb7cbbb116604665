"""A mixed-operation load from many threads at once, and the checks that must hold after it.

Each thread works on overlapping label sets (every series is shared by several threads), a
component of its own (only it writes there, so every link it made must survive), a shared
component (threads replace each other's links), and "doomed" series it marks stale while
some calls to the GC expire them (with a ``now`` far in the future) under everyone's feet.
The checked series are never marked stale, so the GC must never touch them.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from lsim.stores import STALE_NAN, LabelStore, StalenessTracker
from lsim.stores.common import StoreBase
from tests.stores.helpers import series

THREADS = 64
SERIES = 97  # prime: threads start at different offsets (t * 7) and overlap
DOOMED = 16


@dataclass
class Outcome:
    seen: list[list[tuple[int, int]]]  # per thread: (series index, id it got)
    own_links: list[dict[int, int]]  # per thread: id -> local id in its own component
    views: list[list[int]]  # per thread, after everyone finished: the id of each series
    errors: list[BaseException] = field(default_factory=list)
    stuck: int = 0


@contextmanager
def fast_switching(interval: float = 1e-4) -> Iterator[None]:
    """Switch threads far more often than the 5 ms default, to interleave more."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def own(t: int) -> str:
    return f"own_{t}"


def hammer(store: LabelStore, threads: int = THREADS, iterations: int = 60) -> Outcome:
    checked = [series(i) for i in range(SERIES)]
    doomed = [series(i, name="doomed") for i in range(DOOMED)]
    out = Outcome(
        [[] for _ in range(threads)], [{} for _ in range(threads)], [[] for _ in range(threads)]
    )
    start, done = threading.Barrier(threads), threading.Barrier(threads)

    def work(t: int) -> None:
        seen, links, shared = out.seen[t], out.own_links[t], f"component_{t % 5}"
        for i in range(iterations):
            idx = (t * 7 + i) % SERIES
            labels = checked[idx]
            if i % 10 == 3:
                gid = store.get_or_add_link(own(t), i + 1, labels)
            else:
                gid = store.get_or_add_global_ref_id(labels)
                store.add_local_link(own(t), gid, i + 1)
            links[gid] = i + 1
            seen.append((idx, gid))
            local, mine = store.get_local_ref_id(shared, gid), idx * 1000 + t + 1
            if local == 0:
                store.add_local_link(shared, gid, mine)
            elif local != mine:
                store.replace_local_link(shared, gid, local, mine)
            if i % 8 == 0:
                store.track_staleness([StalenessTracker(gid, 1.0, labels)])
            if i % 4 == 1:
                d = doomed[(t + i) % DOOMED]
                dead = store.get_or_add_global_ref_id(d)
                store.add_local_link(shared, dead, 5_000_000 + t * 1000 + i)
                store.track_staleness([StalenessTracker(dead, STALE_NAN, d)])
            if i % 16 == 5:
                store.check_and_remove_stale_markers(now=1e12)
                store.collect()

    def run(t: int) -> None:
        try:
            start.wait()
            work(t)
        except BaseException as exc:  # reported by the test, not lost in a thread
            out.errors.append(exc)
            start.abort()
            done.abort()
            return
        try:
            done.wait()  # every thread's view is taken after all the writes
            out.views[t] = [store.get_or_add_global_ref_id(labels) for labels in checked]
        except BaseException as exc:
            out.errors.append(exc)

    pool = [threading.Thread(target=run, args=(t,), daemon=True) for t in range(threads)]
    with fast_switching():
        for th in pool:
            th.start()
        for th in pool:
            th.join(30)
    out.stuck = sum(th.is_alive() for th in pool)
    return out


def check(store: LabelStore, out: Outcome, *, strict_links: bool = True) -> None:
    """The invariants every design must keep under concurrency."""
    assert out.stuck == 0, f"{out.stuck} threads never finished (deadlock?)"
    assert not out.errors, out.errors
    final = out.views[0]
    for view in out.views:
        assert view == final  # one id per label set, the same from every thread
    assert 0 not in final and len(set(final)) == len(final)  # ids unique across label sets
    for seen in out.seen:
        for idx, gid in seen:
            assert gid == final[idx]  # and the same one every thread got while racing
    counts = store.collect()
    assert counts["global_ids"] >= SERIES
    assert isinstance(store, StoreBase)
    link_tables = store.link_tables
    for t, links in enumerate(out.own_links):
        for gid, local in links.items():
            assert store.get_local_ref_id(own(t), gid) == local  # no link lost
        assert counts["ids_per_component"][own(t)] == len(links)
        assert link_tables(own(t)) == ({v: k for k, v in links.items()}, links)
    if strict_links:  # every link call is atomic: the two directions agree
        for c in range(5):
            l2g, g2l = link_tables(f"component_{c}")
            for gid, local in g2l.items():
                assert l2g.get(local) == gid, (c, gid, local)
