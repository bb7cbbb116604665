"""The ``lsim`` command line: one thin module per command, registered in :mod:`lsim.cli.app`."""
