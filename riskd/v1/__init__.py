"""Generated protobuf and gRPC stubs of the riskd.v1 contract (`make proto`); not edited."""
