"""`python -m riskd` is the `riskd` command."""

from riskd.cli.main import main

main()
