"""The explicit list of command modules; importing each registers its commands on the app."""

from lsim.cli import (  # noqa: F401
    analyze_cmd,
    calibrate_cmd,
    compare_cmd,
    fit_cmd,
    profile_cmd,
    profile_diff_cmd,
    run_cmd,
    stores_cmd,
    sweep_cmd,
    workload_cmd,
)
