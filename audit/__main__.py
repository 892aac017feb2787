"""`python -m audit` is the `assay` command."""

from audit.cli import main

main()
