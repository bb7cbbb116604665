"""The explicit list of command modules; importing each registers its commands on the app."""

from lsim.cli import compare_cmd, profile_cmd, run_cmd, stores_cmd, sweep_cmd, workload_cmd  # noqa: F401
