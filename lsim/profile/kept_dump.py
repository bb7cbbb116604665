"""A real goroutine dump kept inside a profile (the go engine keeps one per census run).

Stored in ``Profile.integrations["go_dump"]`` as gzip + base64 so the profile stays JSON; a
20,000-goroutine dump of ~12 MB packs to well under 1 MB because its stacks repeat.
"""

from __future__ import annotations

import base64
import binascii
import gzip
from typing import Any

from lsim.errors import ProfileFormatError
from lsim.profile.model import Profile

KEY = "go_dump"
ENCODING = "gzip+base64"


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
