"""External profilers run next to the census: py-spy (from outside) and yappi (inside).

They are opt-in views of the same run, not the census: the census counts lock queues
exactly, py-spy shows where threads are in the code, yappi times functions (at a cost it
states). Lock frames are renamed to Go's ``sync`` names by :mod:`.gonames` so the output
reads like the Go profiles lsim writes. Modules are imported lazily by the CLI.
"""
