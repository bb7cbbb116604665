"""Every design under 64 threads of mixed operations on overlapping label sets."""

from __future__ import annotations

import pytest

from lsim.stores import LabelStore
from tests.stores.hammer import check, hammer


@pytest.mark.timeout(60)
def test_many_threads_keep_one_id_per_label_set_and_every_link(
    design: tuple[str, int | None], store: LabelStore
) -> None:
    outcome = hammer(store)
    # lockfree writes a link's two directions as two separate stores: a racing replace can
    # leave globalToLocal naming a local id whose reverse entry it popped (documented).
    check(store, outcome, strict_links=design[0] != "lockfree")
