"""The explicit list of command modules; importing each registers its commands on the app."""

from lsim.cli import stores_cmd  # noqa: F401
