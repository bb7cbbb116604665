"""The explicit list of command modules; importing each registers its commands on the app."""

from lsim.cli import profile_cmd, run_cmd, stores_cmd, workload_cmd  # noqa: F401
