import { createRequire } from "node:module";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatNodeTestRunner from "@nomicfoundation/hardhat-node-test-runner";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatViem, hardhatNodeTestRunner, hardhatNetworkHelpers],
  solidity: {
    profiles: {
      default: {
        // No native solc can be downloaded here: Hardhat runs solcjs (wasm) from the `solc` package.
        // `version` must equal that package's version.
        version: "0.8.28",
        path: require.resolve("solc/soljson.js"),
        settings: {
          evmVersion: "cancun",
          optimizer: { enabled: true, runs: 200 },
          outputSelection: { "*": { "*": ["storageLayout"] } },
        },
      },
    },
  },
  paths: {
    sources: "contracts",
    tests: { solidity: "test", nodejs: "test/flows" },
  },
  test: {
    solidity: {
      fuzz: { runs: 256 },
      invariant: { runs: 32, depth: 64, failOnRevert: true },
    },
  },
  networks: {
    default: { type: "edr-simulated", chainType: "l1", hardfork: "cancun" },
  },
});
