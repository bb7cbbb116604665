"""A test hook that checks a design's documented lock order under real concurrency.

Each lock gets a rank (its position in the documented order). Before a thread acquires a
lock, the recorder looks at the locks that thread already holds: every one must have a
lower rank. A violation is recorded *before* the thread blocks, so a test sees the bad order
even in a run where it happens not to deadlock. The nestings seen are kept too, so a test can
also check that the nested paths were actually exercised.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any


class LockOrderRecorder:
    def __init__(self) -> None:
        self._local = threading.local()
        self.nestings: set[tuple[str, str]] = set()  # (held, requested)
        self.violations: list[str] = []  # list.append and set.add are atomic under the GIL

    def _held(self) -> list[tuple[int, str]]:
        held: list[tuple[int, str]] | None = getattr(self._local, "held", None)
        if held is None:
            held = self._local.held = []
        return held

    def requesting(self, rank: int, name: str) -> None:
        for held_rank, held_name in self._held():
            self.nestings.add((held_name, name))
            if held_rank >= rank:
                self.violations.append(
                    f"{threading.current_thread().name}: {name} requested while holding {held_name}"
                )

    def acquired(self, rank: int, name: str) -> None:
        self._held().append((rank, name))

    def released(self, rank: int, name: str) -> None:
        self._held().remove((rank, name))

    def wrap(
        self, side: AbstractContextManager[Any], rank: int, name: str
    ) -> AbstractContextManager[Any]:
        """``side`` (a lock or its read side), reporting to this recorder."""
        return _Recorded(side, rank, name, self)


class _Recorded:
    __slots__ = ("_side", "_rank", "_name", "_recorder")

    def __init__(
        self, side: AbstractContextManager[Any], rank: int, name: str, recorder: LockOrderRecorder
    ) -> None:
        self._side = side
        self._rank = rank
        self._name = name
        self._recorder = recorder

    def __enter__(self) -> Any:
        self._recorder.requesting(self._rank, self._name)
        entered = self._side.__enter__()
        self._recorder.acquired(self._rank, self._name)
        return entered

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._side.__exit__(et, ev, tb)
        self._recorder.released(self._rank, self._name)
