"""Suite-wide settings."""

import os

from hypothesis import settings

# No per-example deadline: this suite runs on a shared 2-core machine where a busy neighbour
# can stretch one example past hypothesis' default 200 ms; correctness is what is checked.
settings.register_profile("lsim", deadline=None)
settings.load_profile("lsim")

# Runs of the built-in workload keep its absolute rate (as --no-calibrate does), so a test's
# load does not depend on this machine's measured capacity and no test pays for a
# calibration; tests/engine/test_capacity.py turns it on where it is the subject.
os.environ.setdefault("LSIM_CALIBRATE", "0")
