"""``lsim analyze``: read real Go goroutine dumps into the census and the one Profile type.

``source`` opens files (plain or gzip, streamed), ``grammar`` turns lines into records
(``debug=2`` and ``debug=1``, Go 1.17 to current), ``classify`` says which goroutine is
blocked on which store lock in which operation (``--store-method``, ``--lock``), ``census``
counts per dump, ``profile`` makes the :class:`~lsim.profile.model.Profile` (engine
``dump``), ``report`` the text/Markdown/JSON report, and ``loader`` lets ``profile show``
and ``profile diff`` take a dump wherever they take a profile JSON.
"""

from lsim.analyze.census import Analysis, DumpCensus, analyze_files
from lsim.analyze.loader import load_profile_or_dump
from lsim.analyze.profile import analysis_profile
from lsim.analyze.source import DumpFormatError

__all__ = [
    "Analysis",
    "DumpCensus",
    "DumpFormatError",
    "analysis_profile",
    "analyze_files",
    "load_profile_or_dump",
]
