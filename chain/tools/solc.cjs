#!/usr/bin/env node
// A native-looking solc for forge (foundry.toml `solc`): answers `--version` like solc and compiles
// `--standard-json` from stdin with solcjs (through soljson-heap.cjs, like Hardhat).
// CommonJS so it runs on any Node the shebang finds (forge calls it as an executable).
const { createRequire } = require("node:module");
const path = require("node:path");

const soljson = createRequire(__filename)(path.join(__dirname, "soljson-heap.cjs"));
const version = soljson.cwrap("solidity_version", "string", [])();
const args = process.argv.slice(2);

if (args.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${version}\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write(
    "tools/solc only supports --version and --standard-json (it wraps solcjs for forge)\n",
  );
  process.exit(1);
}
const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const compile = soljson.cwrap("solidity_compile", "string", ["string", "number", "number"]);
  process.stdout.write(compile(Buffer.concat(chunks).toString("utf8"), 0, 0));
});
