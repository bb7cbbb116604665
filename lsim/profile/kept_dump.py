"""Real Go output kept inside a profile (the go engine keeps it from its census run).

* ``integrations["go_dump"]``: the representative sample's ``debug=2`` goroutine dump, as
  gzip + base64 so the profile stays JSON; a 20,000-goroutine dump of ~12 MB packs to well
  under 1 MB because its stacks repeat.
* ``integrations["go_pprof"]``: runtime/pprof's own block, mutex and goroutine profiles of
  the window (gzipped ``profile.proto``, base64) and the goroutine profile's ``debug=1``
  text (gzip + base64), as ``lsimgo run -census -pprof-dir`` wrote them.
"""

from __future__ import annotations

import base64
import binascii
import gzip
from typing import Any

from lsim.errors import ProfileFormatError
from lsim.profile.model import Profile

KEY = "go_dump"
PPROF_KEY = "go_pprof"
ENCODING = "gzip+base64"
PPROF_KINDS = ("block", "mutex", "goroutine")  # each a gzipped profile.proto
DEBUG1 = "goroutine_debug1"  # the goroutine profile's debug=1 text


def pack_dump(text: str) -> dict[str, Any]:
    packed = base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=6))
    return {"encoding": ENCODING, "bytes": len(text), "data": packed.decode("ascii")}


def kept_dump(profile: Profile) -> str | None:
    """The dump kept with ``profile``, or None when it has none (threads and model runs)."""
    kept = profile.integrations.get(KEY)
    if not isinstance(kept, dict):
        return None
    if kept.get("encoding") != ENCODING or not isinstance(kept.get("data"), str):
        raise ProfileFormatError(f"integrations.{KEY}: unknown encoding {kept.get('encoding')!r}")
    try:
        return gzip.decompress(base64.b64decode(kept["data"])).decode("utf-8")
    except (binascii.Error, OSError, EOFError, UnicodeDecodeError) as error:
        raise ProfileFormatError(f"integrations.{KEY}: damaged ({error})") from None


def pack_pprof(files: dict[str, bytes]) -> dict[str, Any]:
    """``{"block": gzipped proto, ..., "goroutine_debug1": text bytes}`` -> plain JSON data."""
    out: dict[str, Any] = {"encoding": ENCODING}
    for name, data in files.items():
        if name == DEBUG1:
            data = gzip.compress(data, compresslevel=6)
        out[name] = base64.b64encode(data).decode("ascii")
    return out


def kept_pprof(profile: Profile, name: str) -> bytes | None:
    """A kept real profile: a gzipped ``profile.proto`` for a kind of :data:`PPROF_KINDS`,
    the debug=1 text's bytes for :data:`DEBUG1`; None when the profile has none."""
    kept = profile.integrations.get(PPROF_KEY)
    if not isinstance(kept, dict) or name not in kept:
        return None
    if kept.get("encoding") != ENCODING or not isinstance(kept[name], str):
        raise ProfileFormatError(f"integrations.{PPROF_KEY}.{name}: unknown encoding")
    try:
        data = base64.b64decode(kept[name], validate=True)
        return gzip.decompress(data) if name == DEBUG1 else data
    except (binascii.Error, OSError, EOFError) as error:
        raise ProfileFormatError(f"integrations.{PPROF_KEY}.{name}: damaged ({error})") from None
