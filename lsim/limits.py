"""Measured limits of this kind of machine (2 cores, 24 GiB), see DESIGN.md §5.

They are checked up front so that a run over a limit fails with a message that names it,
instead of hanging or crashing half-way.
"""

from __future__ import annotations

MAX_THREADS_PER_PROCESS = 21_800  # vm.max_map_count 65,530 / ~3 mappings per thread
THREAD_STACK_BYTES = 256 * 1024
RSS_PER_THREAD_BYTES = 16 * 1024
MAX_SHARDS = 256  # the shard index lives in the top 8 bits of a global id
PYSPY_MAX_THREADS = 4_096  # py-spy refuses processes with more Python threads
MAX_GOROUTINES_MODEL = 1_000_000  # the model engine's own sanity bound
