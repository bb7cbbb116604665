"""The one profile model every engine produces and every renderer reads."""

from lsim.profile.model import (
    FORMAT_VERSION,
    CensusCell,
    LockReport,
    OperationReport,
    Profile,
    SampledThread,
    load_profile,
    save_profile,
)

__all__ = [
    "FORMAT_VERSION",
    "CensusCell",
    "LockReport",
    "OperationReport",
    "Profile",
    "SampledThread",
    "load_profile",
    "save_profile",
]
