"""directfanout under many threads: appenders on shared Fanouts, racing the cleanup.

Each thread is a scrape loop appending overlapping series through one of two Fanouts with
two children (caching the refs it gets back, as a scrape does), committing every few
samples, and now and then running a cleanup tick that expires everything stamped so far.
After it: no thread stuck (the cleanup takes both locks, timestampTrackingMu first), no
error, and each Fanout's tables agree with each other and with the children's refs.
"""

from __future__ import annotations

import threading

from lsim.stores import DirectFanoutStore, create_store
from lsim.stores.directfanout import FanoutAppender
from lsim.stores.lockorder import LockOrderRecorder
from tests.stores.hammer import fast_switching
from tests.stores.helpers import series

THREADS = 48
SERIES = 61
ITERATIONS = 80


def child_ref(index: int, child: int) -> int:
    return index * 10 + child + 1


def test_many_appenders_and_the_cleanup_keep_the_tables_consistent() -> None:
    store = create_store("directfanout", fanouts=2, clock=lambda: 0.0)
    assert isinstance(store, DirectFanoutStore)
    recorder = LockOrderRecorder()
    for m in store.mappings:  # the documented order: timestampTrackingMu, then refMappingMu
        m.timestamp_tracking_mu = recorder.wrap(m.timestamp_tracking_mu, 0, "tracking")  # type: ignore[assignment]
        m.ref_mapping_mu = recorder.wrap(m.ref_mapping_mu, 1, "mapping")  # type: ignore[assignment]
        m._read = recorder.wrap(m._read, 1, "mapping.read")  # type: ignore[assignment]
    labels = [series(i) for i in range(SERIES)]
    index = {lbl: i for i, lbl in enumerate(labels)}
    created: list[list[tuple[int, int]]] = [[] for _ in range(THREADS)]  # (fanout, ref)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(t: int) -> None:
        mapping = store.mappings[t % 2]
        cache: dict[int, int] = {}
        current = [0]
        app = FanoutAppender(mapping, 2, lambda c, _given: child_ref(current[0], c))
        start.wait()
        for i in range(ITERATIONS):
            idx = (t * 7 + i) % SERIES
            current[0] = idx
            before = mapping.next_unique_ref
            ref = app.append(cache.get(idx, 0) if t % 3 else 0, labels[idx])
            if ref >= before:
                created[t].append((t % 2, ref))
            cache[idx] = ref
            if i % 5 == 4:
                app.commit(0.0)
            if t % 8 == 0 and i % 16 == 7:
                mapping.cleanup_stale_refs(now=1e6)

    def run(t: int) -> None:
        try:
            work(t)
        except BaseException as exc:  # reported below, not lost in a thread
            errors.append(exc)
            start.abort()

    pool = [threading.Thread(target=run, args=(t,), daemon=True) for t in range(THREADS)]
    with fast_switching():
        for th in pool:
            th.start()
        for th in pool:
            th.join(30)
    assert sum(th.is_alive() for th in pool) == 0, "threads never finished (deadlock?)"
    assert not errors, errors
    assert not recorder.violations, recorder.violations[:3]
    assert ("tracking", "mapping") in recorder.nestings  # the cleanup's nesting was exercised
    refs = [r for made in created for r in made]
    # a Fanout never hands out a unique ref twice (each counts from 1 on its own)
    assert len(refs) == len(set(refs)) > SERIES
    for m in store.mappings:
        table = m.unique_ref_to_child_refs
        for ref, (children, label_hash, lbl) in table.items():
            assert children == (child_ref(index[lbl], 0), child_ref(index[lbl], 1))
            assert label_hash == lbl.hash(store.layout) and 0 < ref < m.next_unique_ref
        for label_hash, ref in m.label_hash_to_unique_ref.items():
            assert ref in table and table[ref][1] == label_hash
