import { buildManifest, type Manifest, renderNetworkFiles } from "../networkFiles.ts";
import { type GenerateOptionsInput, parseGenerateOptions, planNetwork } from "../networkPlan.ts";
import { writeNetworkFiles } from "../writeFiles.ts";

export type GenerateParameters = GenerateOptionsInput;
export type GenerateReturnType = { outDir: string; manifest: Manifest; files: string[] };

/**
 * Generates a QBFT network: node keys, genesis, per-node Besu configs and allowlists, start
 * scripts and a docker-compose file.
 *
 * @example
 * await generateNetwork({ validators: 4, rpcNodes: 1, chainId: 2027, blockPeriod: 2,
 *   account: ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"], out: "network" });
 */
export async function generateNetwork(parameters: GenerateParameters): Promise<GenerateReturnType> {
  const options = parseGenerateOptions(parameters);
  const plan = planNetwork(options);
  const files = renderNetworkFiles(plan);
  await writeNetworkFiles(options.out, files, options.force);
  return { outDir: options.out, manifest: buildManifest(plan), files: files.map((f) => f.path) };
}
