"""``python -m lsim`` runs the command-line interface."""

from lsim.cli.app import main

if __name__ == "__main__":
    main()
