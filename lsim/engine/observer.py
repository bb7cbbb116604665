"""Outside observers of the experiment process (py-spy): started when measuring begins."""

from __future__ import annotations

from typing import Any, Protocol


class Observer(Protocol):
    def start(self, pid: int) -> None:
        """The child ``pid`` has entered its measured window."""

    def finish(self) -> dict[str, Any]:
        """The run is over (or failed): stop, and describe what was produced."""
