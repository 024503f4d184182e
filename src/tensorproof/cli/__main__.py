"""`python -m tensorproof.cli` runs the command line."""

from . import main

main()
