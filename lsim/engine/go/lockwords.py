"""The lock-word census in a go profile: each store lock's waiter count read from the lock's
own words every 200 us without stopping the world (``src/census/words.go``), and the note
when it and the stop-the-world census disagree (PROTOCOL.md, "lock_words")."""

from __future__ import annotations

from typing import Any


def lock_words(clean: dict[str, Any], census: dict[str, Any] | None) -> dict[str, Any]:
    """Both runs' lock-word results, by run name (a run without them is left out)."""
    return {
        name: run["lock_words"]
        for name, run in (("clean", clean), ("census", census))
        if run and run.get("lock_words")
    }


def words_disagree(
    words: dict[str, Any] | None, census: dict[str, Any] | None, goroutines: int
) -> list[str]:
    """A note when the stop-the-world census and the locks' own waiter counts (the same
    run, read without stopping the world) disagree by more than 20 points."""
    blocked = ((census or {}).get("census") or {}).get("blocked_per_sample") or []
    if not words or not words.get("samples") or not goroutines or not blocked:
        return []
    by_words = words["waiters_mean"] / goroutines
    by_census = sum(blocked) / len(blocked) / goroutines
    if abs(by_words - by_census) <= 0.20:
        return []
    return [
        f"the census's stop-the-world samples read {by_census:.0%} of goroutines blocked, "
        f"the locks' own waiter counts {by_words:.0%} (same run, {words['samples']:,} reads "
        "without stopping the world): the census's moments are not typical of this run; "
        "integrations.lock_words has the counts over time"
    ]
