"""Deterministic seeds and the id schemes that plans, executors and ``prepopulate`` share.

* prepopulated links: ``local = series*100 + component`` (as Alloy's benchmark);
* a changed WAL ref adds ``gen*GEN_STRIDE`` to a local id (far above any base id);
* the k-th churn replacement of thread t is series ``count + k*CHURN_STRIDE + t``, unique for
  every thread index below ``MAX_GOROUTINES_MODEL``;
* local ids are masked to 63 bits so they fit Go's uint64 and a signed int64 alike.
"""

from __future__ import annotations

from lsim.limits import MAX_GOROUTINES_MODEL

GEN_STRIDE = 1 << 44
LOCAL_ID_MASK = (1 << 63) - 1
CHURN_STRIDE = MAX_GOROUTINES_MODEL
_M64 = (1 << 64) - 1


def _splitmix64(x: int) -> int:
    z = (x + 0x9E3779B97F4A7C15) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def seed_for(*parts: int) -> int:
    """A 64-bit seed from integers (seed, thread, iteration, stream), the same on every run.

    Python's ``hash()`` is salted per process for str/bytes, and tuples of ints hash
    differently across versions; SplitMix64 is fixed arithmetic.
    """
    h = 0
    for part in parts:
        h = _splitmix64(h ^ (part & _M64))
    return h


def prepopulated_local_id(series: int, component: int) -> int:
    return series * 100 + component
