// Reading Hardhat build artifacts (ABI and bytecode) of the consortium contracts.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The deployed contracts and the name of their exported ABI constant. */
export const CONTRACTS = [
  { name: "Membership", exportName: "membership" },
  { name: "ConsortiumGovernor", exportName: "consortiumGovernor" },
  { name: "ConsortiumTimelock", exportName: "consortiumTimelock" },
  { name: "ModelRegistry", exportName: "modelRegistry" },
  { name: "TaskDirectory", exportName: "taskDirectory" },
] as const;

export type ContractName = (typeof CONTRACTS)[number]["name"] | "ERC1967Proxy";

interface Artifact {
  abi: { type: string; name?: string }[];
  bytecode: `0x${string}`;
}

function artifactPath(chainDir: string, name: ContractName): string {
  if (name === "ERC1967Proxy") {
    return join(
      chainDir,
      "artifacts",
      "@openzeppelin",
      "contracts",
      "proxy",
      "ERC1967",
      "ERC1967Proxy.sol",
      "ERC1967Proxy.json",
    );
  }
  return join(chainDir, "artifacts", "contracts", `${name}.sol`, `${name}.json`);
}

/** Reads one artifact; a clear error when the contracts were not built. */
export function readArtifact(chainDir: string, name: ContractName): Artifact {
  const path = artifactPath(chainDir, name);
  if (!existsSync(path)) {
    throw new Error(
      `Missing build artifact for ${name} (${path}). Run \`pnpm -C chain build\` first.`,
    );
  }
  return JSON.parse(readFileSync(path, "utf8")) as Artifact;
}

export function readArtifactAbi(chainDir: string, name: ContractName): Artifact["abi"] {
  return readArtifact(chainDir, name).abi;
}
