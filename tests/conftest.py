"""Suite-wide settings."""

from hypothesis import settings

# No per-example deadline: this suite runs on a shared 2-core machine where a busy neighbour
# can stretch one example past hypothesis' default 200 ms; correctness is what is checked.
settings.register_profile("lsim", deadline=None)
settings.load_profile("lsim")
