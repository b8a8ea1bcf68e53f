"""The `riskd` command."""
