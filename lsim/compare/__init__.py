"""``lsim compare`` and ``lsim sweep``: designs side by side on one workload, with spread.

Pipeline (each step returns data; only the CLI prints):
``schedule`` (which runs, interleaved) -> ``runner`` (strictly sequential, profiles saved,
Ctrl-C stops scheduling; ``cells`` runs model-engine cells side by side, in processes or on
a Dask cluster, with the same log) -> ``aggregate`` (median/min/max per design) ->
``report`` (ratios versus mutex, the document's ``predictions``, the ``verdict``) ->
``table`` / ``export`` (text, markdown, csv, json); sweeps add ``sweep`` (axis or grid),
``plot`` and ``termchart``.
"""

from __future__ import annotations

from pathlib import Path

from lsim.compare.report import ComparisonReport
from lsim.errors import ConfigError

FORMATS: tuple[str, ...] = ("text", "json", "markdown", "csv")
_SUFFIXES = {
    ".txt": "text",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".csv": "csv",
}


def resolve_format(fmt: str | None, output: Path | None) -> str:
    """``-f`` if given, else from ``-o``'s suffix, else text; unknown names fail with the list."""
    if fmt is None:
        return _SUFFIXES.get(output.suffix.lower(), "text") if output is not None else "text"
    if fmt not in FORMATS:
        raise ConfigError(
            f"unknown format {fmt!r}; allowed: {', '.join(FORMATS)}", source="--format"
        )
    return fmt


def render_report(report: ComparisonReport, fmt: str) -> str:
    if fmt == "json":
        from lsim.compare.export import render_json

        return render_json(report)
    if fmt == "csv":
        from lsim.compare.export import render_csv

        return render_csv(report)
    from lsim.compare.table import render_markdown, render_text

    return render_markdown(report) if fmt == "markdown" else render_text(report)


__all__ = ["FORMATS", "ComparisonReport", "render_report", "resolve_format"]
