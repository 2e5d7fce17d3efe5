import { createRequire } from "node:module";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatNodeTestRunner from "@nomicfoundation/hardhat-node-test-runner";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatUpgrades from "@openzeppelin/hardhat-upgrades/viem";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatViem, hardhatUpgrades, hardhatNodeTestRunner, hardhatNetworkHelpers],
  solidity: {
    // The deploy script puts every contract behind OpenZeppelin's ERC1967Proxy.
    npmFilesToBuild: ["@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol"],
    profiles: {
      default: {
        // No native solc can be downloaded here: Hardhat runs solcjs (wasm) from the `solc` package,
        // through tools/soljson-heap.cjs (large jobs overflow its stack otherwise).
        // `version` must equal that package's version.
        version: "0.8.28",
        path: require.resolve("./tools/soljson-heap.cjs"),
        settings: {
          evmVersion: "cancun",
          optimizer: { enabled: true, runs: 200 },
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
