"""Generated stubs of gRPC's own contracts that riskd serves (`make proto`); not edited."""
