"""``python -m lsim.render``: print README.md's table of formats (from the registry)."""

from lsim.render import formats_table

print(formats_table(), end="")
