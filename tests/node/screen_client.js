// A declaration system written in Node.js: calls riskd's Screen through @grpc/grpc-js,
// loading the contract from proto/ at run time, and prints the assessment as JSON.
// Usage: node screen_client.js HOST:PORT DECLARATION.json
"use strict";

const path = require("path");
const fs = require("fs");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const [address, declarationFile] = process.argv.slice(2);
if (!address || !declarationFile) {
  console.error("usage: node screen_client.js HOST:PORT DECLARATION.json");
  process.exit(2);
}

const definition = protoLoader.loadSync("riskd/v1/screening_service.proto", {
  includeDirs: [path.join(__dirname, "..", "..", "proto")],
  keepCase: true,
  enums: String,
  longs: String,
  defaults: true,
  oneofs: true,
});
const riskd = grpc.loadPackageDefinition(definition).riskd.v1;

// The canonical JSON mapping writes Timestamps as RFC 3339 strings; grpc-js wants seconds.
const declaration = JSON.parse(fs.readFileSync(declarationFile, "utf8"));
const millis = Date.parse(declaration.declared_at);
declaration.declared_at = { seconds: Math.floor(millis / 1000), nanos: (millis % 1000) * 1e6 };

const client = new riskd.ScreeningService(address, grpc.credentials.createInsecure());
const deadline = new Date(Date.now() + 10000);
client.Screen({ declaration }, { deadline }, (error, response) => {
  if (error) {
    console.error(`${error.code} ${error.details}`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(response.assessment) + "\n");
  client.close();
});
