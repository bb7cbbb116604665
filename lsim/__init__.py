"""lsim: try locking designs for a hot, contended store before rewriting the Go service.

The package models Grafana Alloy's ``labelstore`` (see ``DESIGN.md`` in the shared notes),
offers seven locking designs of it and the direct fanout Alloy merged instead, drives them
with real threads, a Go-runtime model or real Go, and reports lock-wait profiles in the
shape of a Go goroutine dump.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
